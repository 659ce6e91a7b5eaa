// Sign-ins the bot stopped waiting for (`/link` on Jellyfin): an approval creates the member's session on the
// server whether or not the bot collects it, so every approved request must be collected and logged out, even when
// the bot gave up first (its deadline, a restart, a shutdown). Each sign-in is stored before the member sees the
// code (db/pending-sign-ins.ts) and settled here: at start-up, on a timer (app.ts) and whenever a wait ends without
// settling it. When the session cannot be logged out, the member is told which device to remove.
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import type { Db } from '../db/client.ts';
import {
  deletePendingSignIn,
  duePendingSignIns,
  insertPendingSignIn,
  reschedulePendingSignIn,
} from '../db/pending-sign-ins.ts';
import {
  type MediaServerRow,
  mediaServers,
  members,
  type PendingSignIn as PendingSignInRow,
} from '../db/schema.ts';
import { type Language, translator } from '../i18n/index.ts';
import type { PendingSignIn, SettleState } from '../media/self-link.ts';
import { COLORS, safe } from '../notify/format.ts';
import { deliverOnce } from '../notify/notice-queue.ts';
import type { NoticeMessage } from '../notify/notifier.ts';
import { StoredTokenError } from '../secrets.ts';
import { memberLanguage } from './languages.ts';
import { getSettings } from './settings.ts';

/** How often a pending sign-in the bot no longer waits for is asked about. */
export const SETTLE_RETRY_MS = 60 * 1000;
/** A sign-in that could not be settled for this long (the server unreachable) is given up, and the member told. */
export const SETTLE_GIVE_UP_MS = 24 * 60 * 60 * 1000;

type SettleContext = Pick<AppContext, 'db' | 'clock' | 'media' | 'log' | 'effects' | 'cluster'>;

/** Sign-ins a wait in this process is still polling (the settler leaves them alone), per database. */
const waitingHere = new WeakMap<Db, Set<number>>();
/** The settle in flight, per database: a second caller joins it instead of collecting the same session twice. */
const settling = new WeakMap<Db, Promise<number>>();

function waitingSet(db: Db): Set<number> {
  const known = waitingHere.get(db);
  if (known) return known;
  const set = new Set<number>();
  waitingHere.set(db, set);
  return set;
}

/** Stores a sign-in before its code is shown; the wait that shows it owns it until `releasePendingSignIn`. */
export async function recordPendingSignIn(
  ctx: Pick<AppContext, 'db' | 'clock' | 'media'>,
  server: Pick<MediaServerRow, 'id' | 'url'>,
  memberDiscordId: string,
  pending: PendingSignIn,
  deadline: Date,
): Promise<number> {
  const now = ctx.clock();
  const id = await insertPendingSignIn(ctx.db, {
    serverId: server.id,
    memberDiscordId,
    // Bound to its server like the server's own token: readable only for that server at that address.
    secretEncrypted: ctx.media.encryptToken(pending.secret, { serverId: server.id, url: server.url }),
    deviceId: pending.deviceId,
    deviceName: pending.deviceName,
    deadline,
    lastAliveAt: now,
    nextCheckAt: deadline,
  });
  waitingSet(ctx.db).add(id);
  return id;
}

/** The wait ended: `settled` removes the row; otherwise the settler takes it over from now. */
export async function releasePendingSignIn(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  id: number,
  settled: boolean,
): Promise<void> {
  try {
    if (settled) await deletePendingSignIn(ctx.db, id);
    else await reschedulePendingSignIn(ctx.db, id, { nextCheckAt: ctx.clock() });
  } finally {
    waitingSet(ctx.db).delete(id);
  }
}

/** The DM about a sign-in left open, in the member's language (device and server names are escaped). */
export function deviceNotice(
  server: string,
  device: string,
  certain: boolean,
  lang: Language = 'en',
): NoticeMessage['embeds'][number] {
  const t = translator(lang);
  const remove = t('link.signInOpen.remove', { device: safe(device), server: safe(server) });
  return {
    title: certain ? t('link.signInOpen.titleCertain') : t('link.signInOpen.titleMaybe'),
    color: COLORS.warn,
    description: certain ? t('link.signInOpen.certain', { remove }) : t('link.signInOpen.maybe', { remove }),
  };
}

async function tellMember(
  ctx: SettleContext,
  row: PendingSignInRow,
  server: string,
  certain: boolean,
): Promise<void> {
  await deliverOnce(ctx, { kind: 'sign-in-open', subject: String(row.id), channel: 'dm' }, async () => {
    // The member's language as it is when the DM is sent: their last command's, else the community's.
    const [member] = await ctx.db
      .select({ locale: members.locale })
      .from(members)
      .where(eq(members.discordUserId, row.memberDiscordId))
      .limit(1);
    const lang = memberLanguage(member ?? { locale: null }, await getSettings(ctx.db));
    return {
      channel: 'dm',
      to: row.memberDiscordId,
      message: { embeds: [deviceNotice(server, row.deviceName, certain, lang)] },
    };
  });
}

async function settleRow(ctx: SettleContext, row: PendingSignInRow, now: Date): Promise<boolean> {
  const [server] = await ctx.db.select().from(mediaServers).where(eq(mediaServers.id, row.serverId));
  if (!server) return true; // removed with its server (the foreign key cascades)
  const provider = ctx.media.selfLinkForRow(server as MediaServerRow);
  if (!provider?.settle) {
    await deletePendingSignIn(ctx.db, row.id);
    return true;
  }
  let state: SettleState;
  try {
    const pending = {
      // Unreadable (the server's address changed, or the key was replaced): nothing can be collected any more.
      secret: ctx.media.decryptSecret(row.secretEncrypted, { serverId: server.id, url: server.url }),
      deviceId: row.deviceId,
      deviceName: row.deviceName,
    };
    state = await provider.settle(pending, row.lastAliveAt);
  } catch (err) {
    if (err instanceof StoredTokenError) {
      ctx.log.warn(
        { server: server.name, signIn: row.id },
        'a pending sign-in can no longer be read: given up',
      );
      await tellMember(ctx, row, server.name, false);
      await deletePendingSignIn(ctx.db, row.id);
      return true;
    }
    ctx.log.warn({ err, server: server.name, signIn: row.id }, 'could not settle a pending sign-in');
    if (now.getTime() - row.createdAt.getTime() < SETTLE_GIVE_UP_MS) {
      await reschedulePendingSignIn(ctx.db, row.id, {
        nextCheckAt: new Date(now.getTime() + SETTLE_RETRY_MS),
      });
      return false;
    }
    state = { state: 'gone', unseenApproval: true };
  }
  if (state.state === 'waiting') {
    await reschedulePendingSignIn(ctx.db, row.id, {
      nextCheckAt: new Date(now.getTime() + SETTLE_RETRY_MS),
      lastAliveAt: now,
    });
    return false;
  }
  if (state.state === 'left-open' || (state.state === 'gone' && state.unseenApproval)) {
    await tellMember(ctx, row, server.name, state.state === 'left-open');
  }
  ctx.log.info({ server: server.name, signIn: row.id, outcome: state.state }, 'pending sign-in settled');
  await deletePendingSignIn(ctx.db, row.id);
  return true;
}

/**
 * Settles every pending sign-in due now that no wait in this process is polling, on servers this instance holds.
 * Returns how many were settled (removed). One failing row never stops the others.
 */
export function settlePendingSignIns(ctx: SettleContext): Promise<number> {
  const running = settling.get(ctx.db);
  if (running) return running;
  const run = (async () => {
    const now = ctx.clock();
    const rows = await duePendingSignIns(ctx.db, now, [...waitingSet(ctx.db)]);
    let settled = 0;
    for (const row of rows) {
      if (!ctx.cluster.ownsServer(row.serverId)) continue;
      try {
        if (await settleRow(ctx, row, now)) settled++;
      } catch (err) {
        ctx.log.error({ err, signIn: row.id }, 'settling a pending sign-in failed');
      }
    }
    return settled;
  })().finally(() => settling.delete(ctx.db));
  settling.set(ctx.db, run);
  return run;
}
