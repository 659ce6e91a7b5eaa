// One enforcement cycle, in the order the data flows: sense (read the servers this instance holds, build the
// view), decide and act per member (stream caps), downloads (record, quotas, switches), then notify (the outbox
// carries out the stops, then the notices). A failure in one server or one member never stops the rest.
import { enforcePaused, withoutPausedStops } from '../act/paused.ts';
import { enforceDownloads } from '../act/quotas.ts';
import { recordServerHealth } from '../act/server-health.ts';
import { enforceServerLimits } from '../act/server-limits.ts';
import { senseSharing } from '../act/sharing.ts';
import { retireStandIns } from '../act/stand-ins.ts';
import { breachOutcomes, enforceStreams } from '../act/streams.ts';
import { reconcileSwitches } from '../act/switches.ts';
import { enforceTranscodes } from '../act/transcodes.ts';
import { alertUnlinkedAccounts } from '../act/unlinked-alerts.ts';
import type { AppContext } from '../context.ts';
import { storeLearntAccountIds } from '../db/links.ts';
import { recordServerDownloads } from '../sense/downloads.ts';
import { readServers } from '../sense/read-servers.ts';
import { senseView } from '../sense/view.ts';
import { listServers } from '../services/servers.ts';
import { getSettings } from '../services/settings.ts';
import type { CycleOptions, CycleReport } from '../types/cycle.ts';
import { maintainWeekly } from './maintenance.ts';

export async function runEnforcementCycle(ctx: AppContext, options: CycleOptions = {}): Promise<CycleReport> {
  const now = ctx.clock();
  const settings = await getSettings(ctx.db);
  const servers = await listServers(ctx.db);
  const only = options.serverIds ? new Set(options.serverIds) : null;

  // Sense. Each server is read by the one instance holding its lease (every server on PGlite).
  const read = servers.filter((s) => (!only || only.has(s.id)) && ctx.cluster.ownsServer(s.id));
  const wantDownloads = settings.enforceDownloads || servers.some((s) => s.logDownloads);
  const snapshots = await readServers(ctx, read, wantDownloads);
  await recordServerHealth(ctx, snapshots, now, settings.alertsChannelId);
  for (const snap of snapshots) if (snap.streams) ctx.notePushRead(snap.row.id, snap.streams);
  const view = await senseView(ctx, { settings, servers, read, snapshots, only, now });
  await retireStandIns(ctx, view.retiredStandIns, now).catch((err) =>
    ctx.log.error({ err }, 'could not retire the stand-ins of accounts now linked'),
  );
  await alertUnlinkedAccounts(ctx, settings, view.unlinked, now).catch((err) =>
    ctx.log.error({ err }, 'could not alert about unlinked accounts'),
  );
  // Sharing signals: where each member streams from, and the admins' alerts about it (never a stop).
  await senseSharing(ctx, view).catch((err) =>
    ctx.log.error({ err }, 'could not record the sharing signals'),
  );

  // Decide and act: streams paused past their plan's limit (stopped ones no longer count), then the servers' own
  // limits, then converted streams against the plan, then the stream caps, one member at a time; then notify: the
  // stops go out first, then the notices of every episode whose stops had their first attempt.
  const breaches = settings.enforceStreams
    ? await enforcePaused(ctx, view)
        .catch((err) => {
          ctx.log.error({ err }, 'paused-stream enforcement failed');
          return new Set<string>();
        })
        .then(async (stopping) => {
          // Servers over their own limits (`/server limits`), whatever the plans say; then converted streams against
          // the plan; then the members' caps, without the streams being stopped for any of these.
          const paused = withoutPausedStops(view, stopping);
          const limited = await enforceServerLimits(ctx, paused).catch((err) => {
            ctx.log.error({ err }, 'server-limit enforcement failed');
            return new Set<string>();
          });
          const withinLimits = withoutPausedStops(paused, limited);
          const converted = await enforceTranscodes(ctx, withinLimits).catch((err) => {
            ctx.log.error({ err }, 'transcode enforcement failed');
            return new Set<string>();
          });
          return enforceStreams(ctx, withoutPausedStops(withinLimits, converted));
        })
        .then(async (acts) => {
          await ctx.effects.settle(now);
          return breachOutcomes(ctx, acts);
        })
        .catch((err) => {
          ctx.log.error({ err }, 'stream enforcement failed');
          return [];
        })
    : [];

  // Downloads: recorded against their members, then quotas and switches.
  const downloadInput = { snapshots, links: view.memberLinks, settings, templates: view.templates, now };
  await storeLearntAccountIds(ctx.db, await recordServerDownloads(ctx, downloadInput));
  const quotas = settings.enforceDownloads
    ? await enforceDownloads(ctx, downloadInput).catch((err) => {
        ctx.log.error({ err }, 'download enforcement failed');
        return [];
      })
    : [];
  const switchesChanged = await reconcileSwitches(ctx, settings, view.memberLinks, now).then(
    (tally) => tally.changed,
    (err) => {
      ctx.log.error({ err }, 'download switch reconciliation failed');
      return 0;
    },
  );
  await maintainWeekly(ctx, now);

  return {
    startedAt: now,
    finishedAt: ctx.clock(),
    dryRun: settings.dryRun,
    servers: snapshots.map((s) => ({
      name: s.row.name,
      ok: s.error === null,
      error: s.error,
      streams: s.streams?.filter((x) => x.state !== null).length ?? 0,
      downloads: s.downloads?.length ?? 0,
    })),
    breaches,
    quotas,
    switchesChanged,
    streamsByMember: view.streamsByMember,
    homeByMember: view.homeByMember,
  };
}
