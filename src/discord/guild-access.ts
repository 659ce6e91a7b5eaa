// Started before it was added to its server, the bot waits for the invite instead of exiting (a supervisor would
// restart it into the same refusal forever). Discord answers a bot outside the guild "Unknown Guild" (404 / 10004)
// for the guild and "Missing Access" (403 / 50001) for its commands, members and channels
// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes).
import { DiscordAPIError } from 'discord.js';
import { inviteUrl } from './permissions.ts';

/** The first wait, and the longest: every 60 s at first, doubling up to every 5 minutes. */
export const ACCESS_RETRY = { firstMs: 60_000, maxMs: 5 * 60_000 };

/** Whether a REST error means the bot is not in the server (or cannot see it). */
export function isNoGuildAccess(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.code === 50001 || err.code === 10004);
}

/** What is wrong and how to fix it, for the log and /readyz. */
export function noAccessAdvice(applicationId: string, guildId: string): string {
  return `The bot is not in the Discord server ${guildId} (DISCORD_GUILD_ID), or can't see it. Add it with this link (a server admin opens it): ${inviteUrl(applicationId, guildId)} . Streamwarden waits and carries on by itself once it is added.`;
}

export interface GuildAccessWait {
  /** One try: resolves when it worked; throws (isNoGuildAccess) while the bot has no access. */
  attempt: () => Promise<void>;
  /** Calls `wake` when the bot is added to a server (GUILD_CREATE); returns the unsubscribe. */
  onJoin: (wake: () => void) => () => void;
  /** Told before each wait. */
  onWaiting: (nextTryMs: number, err: unknown) => void;
  signal?: AbortSignal;
  retry?: { firstMs: number; maxMs: number };
}

/** Tries until `attempt` works, waiting between tries (or until the bot joins a server, or the signal aborts). */
export async function waitForGuildAccess(options: GuildAccessWait): Promise<void> {
  const retry = options.retry ?? ACCESS_RETRY;
  let delay = retry.firstMs;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      await options.attempt();
      return;
    } catch (err) {
      if (!isNoGuildAccess(err)) throw err;
      options.onWaiting(delay, err);
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        options.signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, delay);
      const unsubscribe = options.onJoin(done);
      options.signal?.addEventListener('abort', done);
    });
    delay = Math.min(delay * 2, retry.maxMs);
  }
}
