// Members signing in to prove which media account is theirs (`/link`). The platform parts are plex/pin-login.ts
// (plex.tv PIN) and jellyfin/quick-connect.ts (Quick Connect); factory.ts `createSelfLink` picks one, and a
// platform without a sign-in flow (Emby) has none. The member's token never leaves the adapter: it is used to
// read who signed in and to end that sign-in (Jellyfin: log the session out; Plex: sign the token out), then dropped.

/** What the member is shown to sign in. */
export interface SignInCode {
  /** The code to type or compare (Plex PIN code, Jellyfin Quick Connect code). */
  code: string;
  /** Where the member signs in (Plex: the app.plex.tv auth page); null when they approve in an app they use. */
  url: string | null;
  /** How long the server keeps the code, in milliseconds. */
  expiresInMs: number;
}

/** The account the member signed in with, as the link should store it. */
export interface SignedInAccount {
  /** The id sessions report for this account on this server (Plex: plex.tv id, or "1" for the owner). */
  id: string;
  name: string;
}

export type SignInState =
  | { state: 'waiting' }
  /** The server forgot the code (expired, or never approved in time). */
  | { state: 'expired'; sessionLeftOpen?: boolean }
  /**
   * The member signed in. `access` is the account as this server knows it, or null when the account is not a user
   * of this server (`signedInAs` then names who signed in). `pending`: invited, not accepted yet (Plex).
   */
  | {
      state: 'signed-in';
      signedInAs: string;
      access: (SignedInAccount & { pending: boolean }) | null;
      /** The sign-in could not be ended on the server (Jellyfin: its session; Plex: its plex.tv token), so the member
       *  should remove the device it left. */
      sessionLeftOpen?: boolean;
    };

/**
 * What a sign-in leaves on the server until it is settled (Jellyfin Quick Connect: an approval creates a session,
 * whether or not the bot collects it). The bot stores it (the secret encrypted) before the code is shown.
 */
export interface PendingSignIn {
  secret: string;
  deviceId: string;
  /** The device name the server lists (Dashboard → Devices): the one to remove when it could not be logged out. */
  deviceName: string;
}

/** Where a stored pending sign-in stands. */
export type SettleState =
  /** Not approved yet, and the server still knows it: ask again later. */
  | { state: 'waiting' }
  /**
   * The server forgot it. `unseenApproval`: the bot did not look for long enough before that to rule out an
   * approval it never saw (whose session would be open).
   */
  | { state: 'gone'; unseenApproval: boolean }
  /** It was approved, and the session it created was collected and logged out. */
  | { state: 'logged-out' }
  /** It was approved, and its session could not be logged out: the member should remove the device. */
  | { state: 'left-open' };

/** One sign-in in progress. */
export interface SignIn {
  readonly code: SignInCode;
  /** What must be settled if the bot stops waiting; absent when nothing is left on the server (Plex PIN). */
  readonly pending?: PendingSignIn | null;
  /** Asks the server once. Throws MediaServerError when it could not find out. */
  check(): Promise<SignInState>;
  /** Forgets what the sign-in held (a Quick Connect secret leaves the redactor). Called once, at the end. */
  end(): void;
}

export type SelfLinkMethod = 'plex-pin' | 'quick-connect';

export interface SelfLinkProvider {
  readonly method: SelfLinkMethod;
  /**
   * Starts a sign-in for the member named `forMember` (already `signInLabel`-safe): the sign-in page or the device
   * the member approves carries that name, so a code forwarded to someone else says whose link it makes. Throws
   * SelfLinkUnavailableError when the server does not offer it now (Quick Connect off), MediaServerError when it
   * could not be reached.
   */
  begin(forMember: string): Promise<SignIn>;
  /**
   * Settles a sign-in the bot stopped waiting for (deadline, restart, shutdown): collects and logs out the session
   * an approval created. Throws MediaServerError when it could not find out (ask again later). Absent when a
   * sign-in leaves nothing behind. `lastWaitingAt`: when the server was last seen holding it unapproved.
   */
  settle?(pending: PendingSignIn, lastWaitingAt: Date): Promise<SettleState>;
}

/**
 * The server does not offer self sign-in now, or refuses it for good (not a failure worth retrying); the message
 * says why, in words for the member.
 */
export class SelfLinkUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelfLinkUnavailableError';
  }
}

/** Options the bot gives every provider. */
export interface SelfLinkOptions {
  /** The bot install's stable client id (Plex lists authorized apps by it). */
  clientId: string;
  /** Shown to the member on the server's sign-in page or device list. */
  product: string;
}

/** Longest member name carried on a sign-in page or device name. */
const LABEL_MAX = 32;

/**
 * A member’s Discord display name as a sign-in page or a device name may carry it: ASCII letters (accents dropped), digits, spaces and
 * `._-` only (it goes into an HTTP header and a URL), at most 32 characters; `fallback` when nothing is left.
 */
export function signInLabel(displayName: string, fallback: string): string {
  const cleaned = displayName
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\p{L}\p{N} ._-]/gu, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, LABEL_MAX)
    .trim();
  return cleaned === '' ? fallback : cleaned;
}

/** The device name a Jellyfin sign-in shows (in the approval screen and the member's device list). */
export const signInDeviceName = (forMember: string) => `Discord /link for ${forMember}`;
