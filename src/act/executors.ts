// The outbox's executors: how each kind of effect is carried out. Each one is idempotent, so "at least once"
// never shows twice: a Discord message carries a nonce derived from the effect's key (sent with enforce_nonce), a
// stop of a session that already ended is "already gone", an alert edit replaces the whole message. Notices are
// rendered when they are sent, from the episode and the outcomes stored so far (notify is fed only by intents and
// outcomes). A failure worth retrying throws; one that retrying cannot fix is a result (or PermanentEffectError).

import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { streamFromJson } from '../db/live-sessions.ts';
import { effectByKey, enqueueEffects, nonceFor } from '../db/outbox.ts';
import { breachEpisodes, mediaServers, type OutboxRow, outbox } from '../db/schema.ts';
import { rememberStop } from '../db/stopped-sessions.ts';
import { streamBreachDm, streamBreachEmail } from '../notify/notices.ts';
import { type Delivery, NONCE_TRUSTED_MS, type SendOptions } from '../notify/notifier.ts';
import { fromJsonMessage, type NoticePayload } from '../notify/payload.ts';
import { sessionRef } from '../policy/streams.ts';
import { templateFor } from '../services/templates.ts';
import { executeDownloadCancel } from './download-cancels.ts';
import { breachAlert, episodeNotice, warningMessage } from './episode-notices.ts';
import { alertEditKey, episodeGroup, episodeNoticeKey, type StopPayload } from './episodes.ts';
import type { Executor } from './outbox.ts';
import { executePausedStop } from './paused.ts';
import { executeLimitStop } from './server-limits.ts';
import { stopAndLearn, stopClient } from './stop-stream.ts';
import { executeTranscodeStop } from './transcodes.ts';

/** The message a delivered notice effect posted (its id and channel), or null when it was not delivered. */
async function postedMessage(
  ctx: AppContext,
  key: string,
): Promise<{ messageId: string; channelId: string } | null> {
  const row = await effectByKey(ctx.db, key);
  const r = row?.state === 'done' ? (row.result as { messageId?: string; channelId?: string } | null) : null;
  return r?.messageId && r.channelId ? { messageId: r.messageId, channelId: r.channelId } : null;
}

/** A delivery as an effect result: a failure worth retrying throws (the outbox retries with back-off). */
function settle(d: Delivery): Record<string, unknown> {
  if (!d.ok && d.retryable) throw new Error(d.reason);
  return d.ok
    ? { ok: true, messageId: d.messageId ?? null, channelId: d.channelId ?? null }
    : { ok: false, reason: d.reason };
}

/** Queues a re-render of an episode's alert (it runs after the effects of the episode queued before it). */
export async function enqueueAlertEdit(ctx: AppContext, episodeId: number, reason: string): Promise<void> {
  await enqueueEffects(
    ctx.db,
    [
      {
        key: alertEditKey(episodeId, reason),
        kind: 'alert-edit',
        group: episodeGroup(episodeId),
        payload: { episodeId },
      },
    ],
    ctx.clock(),
  );
}

/**
 * How a message effect is sent: with its nonce, and, once its first attempt is older than Discord keeps nonces
 * (`NONCE_TRUSTED_MS`), with that attempt's time so that the copy it may have posted is looked for first.
 */
export function sendOnce(row: OutboxRow, now: Date): SendOptions {
  const first = row.firstAttemptAt;
  const stale = first !== null && now.getTime() - first.getTime() > NONCE_TRUSTED_MS;
  return { nonce: nonceFor(row.key), ...(stale ? { earlierAttemptAt: first } : {}) };
}

export function createExecutors(ctx: AppContext): Record<string, Executor> {
  const once = (row: OutboxRow) => sendOnce(row, ctx.clock());
  return {
    async stop(row) {
      const p = row.payload as StopPayload;
      const [episode] = await ctx.db.select().from(breachEpisodes).where(eq(breachEpisodes.id, p.episodeId));
      if (!episode || episode.state === 'resolved') return { outcome: 'skipped', code: 'back-within' };
      const [server] = await ctx.db.select().from(mediaServers).where(eq(mediaServers.id, p.serverId));
      if (!server) return { outcome: 'refused', code: 'server-removed' };
      const client = stopClient(ctx, server);
      const stream = streamFromJson(p.stream);
      // A MediaServerError (down, timeout) is thrown: the stop is retried while the episode lasts.
      const result = await stopAndLearn(ctx, server, client, stream, { title: p.title, text: p.text });
      if (!result.ok)
        return { outcome: 'refused', code: 'stop-failed', reason: result.reason ?? 'unknown reason' };
      if (result.alreadyEnded) return { outcome: 'already-ended', code: 'already-ended' };
      const now = ctx.clock();
      if (client.supports('verifiable-stop')) {
        // Jellyfin and Emby pass Stop to the player, which may ignore it: check with a read a little later.
        await enqueueEffects(
          ctx.db,
          [
            {
              key: `verify:${row.key}`,
              kind: 'verify-stop',
              group: episodeGroup(p.episodeId),
              payload: {
                stopKey: row.key,
                episodeId: p.episodeId,
                serverId: p.serverId,
                sessionKey: stream.key,
              },
              dueAt: new Date(now.getTime() + ctx.config.verifyStopSeconds * 1000),
            },
          ],
          now,
        );
      } else {
        // Plex lists a stopped session for a while: never count it again until it is gone.
        await rememberStop(ctx.db, {
          serverId: p.serverId,
          sessionKey: stream.key,
          memberId: p.memberId,
          now,
        });
      }
      return { outcome: 'stopped', code: 'stopped' };
    },

    'paused-stop': (row) => executePausedStop(ctx, row),
    'transcode-stop': (row) => executeTranscodeStop(ctx, row),
    'download-cancel': (row) => executeDownloadCancel(ctx, row),

    'limit-stop': (row) => executeLimitStop(ctx, row),

    async 'verify-stop'(row) {
      const p = row.payload as { stopKey: string; episodeId: number; serverId: number; sessionKey: string };
      const [server] = await ctx.db.select().from(mediaServers).where(eq(mediaServers.id, p.serverId));
      if (!server) return { playing: false };
      const sessions = await ctx.media.forRow(server).listStreams();
      const playing = sessions.some((s) => s.key === p.sessionKey && s.state !== null);
      if (!playing) return { playing: false };
      const { db } = ctx;
      const [episode] = await db.select().from(breachEpisodes).where(eq(breachEpisodes.id, p.episodeId));
      const ignored = { outcome: 'ignored', code: 'ignored' };
      await db.transaction(async (tx) => {
        await tx.update(outbox).set({ result: ignored }).where(eq(outbox.key, p.stopKey));
        if (episode?.state === 'enforced')
          await tx
            .update(breachEpisodes)
            .set({ state: 'stop-failed' })
            .where(eq(breachEpisodes.id, p.episodeId));
        await enqueueEffects(
          tx,
          [
            {
              key: alertEditKey(p.episodeId, `ignored:${sessionRef(p.serverId, p.sessionKey)}`),
              kind: 'alert-edit',
              group: episodeGroup(p.episodeId),
              payload: { episodeId: p.episodeId },
            },
          ],
          ctx.clock(),
        );
      });
      return { playing: true };
    },

    async 'episode-notice'(row) {
      const { episodeId, channel } = row.payload as {
        episodeId: number;
        channel: 'dm' | 'email' | 'alert' | 'warning';
      };
      if (channel === 'warning') {
        const { member, message } = await warningMessage(ctx, episodeId);
        return settle(await ctx.notifier.dm(member.discordUserId, message, once(row)));
      }
      if (channel === 'dm') {
        // After a grace period the warning DM is edited to say what was stopped, instead of a second DM.
        const warned = await postedMessage(ctx, episodeNoticeKey('warning', episodeId));
        if (warned) {
          const { message } = await warningMessage(ctx, episodeId, 'over');
          return settle(await ctx.notifier.editAlert(warned.channelId, warned.messageId, message));
        }
      }
      if (channel === 'alert') {
        const alert = await breachAlert(ctx, episodeId);
        return settle(await ctx.notifier.alert(alert.channel, alert.message, once(row)));
      }
      const { member, notice, templates, lang } = await episodeNotice(ctx, episodeId);
      if (channel === 'dm') {
        const message = streamBreachDm(templateFor(templates, 'stream-dm', lang), notice, lang);
        const delivery = await ctx.notifier.dm(member.discordUserId, message, once(row));
        // The alert went out saying "retrying": once this later attempt settles, it is updated to say how it went.
        if (row.attempts > 1 && (delivery.ok || !delivery.retryable))
          await enqueueAlertEdit(ctx, episodeId, 'dm');
        return settle(delivery);
      }
      const email = streamBreachEmail(templateFor(templates, 'stream-email', lang), notice, lang);
      return settle(await ctx.notifier.email(member.email, email.subject, email.text));
    },

    async 'warning-edit'(row) {
      const { episodeId } = row.payload as { episodeId: number };
      const warned = await postedMessage(ctx, episodeNoticeKey('warning', episodeId));
      if (!warned) return { edited: false, why: 'no warning was delivered' };
      const { message } = await warningMessage(ctx, episodeId);
      return settle(await ctx.notifier.editAlert(warned.channelId, warned.messageId, message));
    },

    async 'grace-end'(row) {
      const { episodeId } = row.payload as { episodeId: number };
      const [episode] = await ctx.db.select().from(breachEpisodes).where(eq(breachEpisodes.id, episodeId));
      if (episode?.state !== 'grace') return { ended: false };
      // A cycle reads the member's servers afresh and applies the plan's rule (not awaited: it drains the outbox).
      void ctx.runCycleNow().catch((err) => ctx.log.error({ err }, 'the cycle at the end of a grace failed'));
      return { ended: true };
    },

    async 'alert-edit'(row) {
      const { episodeId } = row.payload as { episodeId: number };
      const posted = await effectByKey(ctx.db, episodeNoticeKey('alert', episodeId));
      if (!posted) return { edited: false, why: 'no alert was posted' };
      if (posted.state === 'pending' || posted.state === 'running')
        throw new Error('the alert is not posted yet');
      const messageId = (posted.result as { messageId?: string | null } | null)?.messageId;
      if (posted.state === 'failed' || !messageId)
        return { edited: false, why: 'the alert was not delivered' };
      const alert = await breachAlert(ctx, episodeId);
      return settle(await ctx.notifier.editAlert(alert.channel, messageId, alert.message));
    },

    async notice(row) {
      const p = row.payload as NoticePayload;
      const message = p.message ? fromJsonMessage(p.message) : { embeds: [] };
      if (p.channel === 'dm') return settle(await ctx.notifier.dm(p.to ?? '', message, once(row)));
      if (p.channel === 'alert') return settle(await ctx.notifier.alert(p.to, message, once(row)));
      return settle(await ctx.notifier.email(p.to, p.subject ?? '', p.text ?? ''));
    },
  };
}
