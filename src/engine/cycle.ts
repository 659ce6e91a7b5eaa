// One enforcement cycle: read every server, keep health, log activity, enforce stream caps and download quotas,
// and bring download switches up to date. A failure in one server or one member never stops the rest.

import { enforceDownloads } from '../act/quotas.ts';
import { breachOutcomes, enforceStreams } from '../act/streams.ts';
import { reconcileSwitches } from '../act/switches.ts';
import { alertUnlinkedAccounts } from '../act/unlinked-alerts.ts';
import type { AppContext } from '../context.ts';
import { loadCurrentBoosts, loadExemptions } from '../db/fairness.ts';
import { loadLinks, storeLearntAccountIds } from '../db/links.ts';
import { loadLiveReads, syncLiveSessions } from '../db/live-sessions.ts';
import { forgetStops, loadStoppedSessions } from '../db/stopped-sessions.ts';
import { logStreams } from '../db/stream-log.ts';
import { findLink } from '../policy/accounts.ts';
import { withoutExemptDevices } from '../policy/fairness.ts';
import {
  countedStreamsByMember,
  endedStops,
  matchStreams,
  type ServerRead,
  sessionRef,
  withoutStopped,
} from '../policy/streams.ts';
import { unlinkedAccounts } from '../policy/unlinked.ts';
import { recordServerDownloads } from '../sense/downloads.ts';
import { readServers } from '../sense/read-servers.ts';
import { standInLinks } from '../sense/stand-ins.ts';
import { serverReads, toAccountLinks } from '../sense/view.ts';
import { listServers } from '../services/servers.ts';
import { getSettings } from '../services/settings.ts';
import { loadTemplates } from '../services/templates.ts';
import type { CycleOptions, CycleReport } from '../types/cycle.ts';
import { maintainWeekly } from './maintenance.ts';
import { settleEpisodes } from './settle.ts';

/**
 * The sessions the bot stopped that are still listed as playing (they are not counted), after forgetting those the
 * servers read this cycle no longer list. A database failure here means counting them: never a reason to skip.
 */
async function currentStops(ctx: AppContext, reads: ServerRead[]): Promise<Set<string>> {
  try {
    const stopped = await loadStoppedSessions(ctx.db);
    for (const [serverId, keys] of endedStops(reads, stopped)) {
      await forgetStops(ctx.db, serverId, keys);
      for (const key of keys) stopped.delete(sessionRef(serverId, key));
    }
    return stopped;
  } catch (err) {
    ctx.log.error({ err }, 'could not load the stopped sessions; counting every session');
    return new Set();
  }
}

export async function runEnforcementCycle(ctx: AppContext, options: CycleOptions = {}): Promise<CycleReport> {
  const now = ctx.clock();
  const settings = await getSettings(ctx.db);
  const servers = await listServers(ctx.db);
  const only = options.serverIds ? new Set(options.serverIds) : null;
  // Each server is sensed by the one instance holding its lease (every server on PGlite).
  const toRead = servers.filter((s) => (!only || only.has(s.id)) && ctx.cluster.ownsServer(s.id));
  const wantDownloads = settings.enforceDownloads || servers.some((s) => s.logDownloads);
  const snapshots = await readServers(ctx, toRead, wantDownloads, now, settings.alertsChannelId);
  for (const snap of snapshots) if (snap.streams) ctx.notePushRead(snap.row.id, snap.streams);
  const links = await loadLinks(ctx.db);
  const templates = await loadTemplates(ctx.db);

  const allReads = serverReads(snapshots);
  const firstSeen = await syncLiveSessions(ctx.db, allReads, now).catch((err) => {
    ctx.log.error({ err }, 'could not store the live sessions');
    return new Map<string, Date>();
  });
  const stopped = await currentStops(ctx, allReads);
  const accountLinks = toAccountLinks(links);
  // Servers not read now count with what their last successful read stored (a server down counts as unread).
  const unreadUp = servers.filter((s) => !toRead.includes(s) && s.status !== 'down');
  const liveReads = await loadLiveReads(ctx.db, unreadUp).catch((err) => {
    ctx.log.error({ err }, 'could not load the live sessions of the other servers');
    return [];
  });
  const counted = withoutStopped([...allReads, ...liveReads], stopped);
  // With `/enforcement unlinked plan`, accounts linked to nobody are held to that plan through stand-ins.
  const standIns = await standInLinks(ctx, settings, counted, accountLinks, now).catch((err) => {
    ctx.log.error({ err }, 'could not hold accounts linked to nobody to their plan');
    return [];
  });
  const enforced = [...links, ...standIns];
  const matched = matchStreams(counted, [...accountLinks, ...toAccountLinks(standIns)]);
  // Accounts linked to nobody, on the servers this instance read (the others' holders alert theirs).
  await alertUnlinkedAccounts(
    ctx,
    settings,
    unlinkedAccounts(withoutStopped(allReads, stopped), accountLinks),
    now,
  ).catch((err) => ctx.log.error({ err }, 'could not alert about unlinked accounts'));
  await storeLearntAccountIds(ctx.db, matched.learntAccountIds);
  // Streams from a member's exempt devices never count and are never stopped; boosts raise caps while they apply.
  const exemptions = await loadExemptions(ctx.db);
  const boosts = await loadCurrentBoosts(ctx.db, now);
  const streams = withoutExemptDevices(matched.streams, exemptions);
  const logged = snapshots.filter((snap) => snap.streams && snap.row.logStreams);
  const logEntries = logged.flatMap((snap) => {
    const serverLinks = accountLinks.filter((l) => l.serverId === snap.row.id);
    return (snap.streams ?? []).map((stream) => ({
      serverId: snap.row.id,
      stream,
      memberId: findLink(stream, serverLinks)?.memberId ?? null,
    }));
  });
  await logStreams(
    ctx.db,
    logEntries,
    logged.map((snap) => snap.row.id),
    now,
  ).catch((err) => ctx.log.error({ err }, 'could not log streams'));
  // Counted as each member's plan counts (a household behind one address as one with `count: locations`).
  const countByOf = new Map(enforced.map(({ member, plan }) => [member.id, plan?.countBy ?? 'streams']));
  const streamsByMember = countedStreamsByMember(streams, (id) => countByOf.get(id) ?? 'streams', {
    now,
    firstSeen,
  });

  const breaches = settings.enforceStreams
    ? await enforceStreams(ctx, {
        snapshots,
        links: enforced,
        settings,
        templates,
        now,
        firstSeen,
        streams,
        stopped,
        servers,
        unreadServers: new Set(
          servers.filter((s) => !toRead.includes(s) && s.status === 'down').map((s) => s.id),
        ),
        decideFor: only
          ? new Set(enforced.filter(({ link }) => only.has(link.serverId)).map(({ member }) => member.id))
          : null,
        exemptions,
        boosts,
      })
        .then(async (acts) => {
          // Notify: the stops go out first, then the notices of every episode whose stops had their first attempt.
          await settleEpisodes(ctx, now);
          return breachOutcomes(ctx, acts);
        })
        .catch((err) => {
          ctx.log.error({ err }, 'stream enforcement failed');
          return [];
        })
    : [];

  const downloadInput = { snapshots, links, settings, templates, now };
  const learntFromDownloads = await recordServerDownloads(ctx, downloadInput);
  await storeLearntAccountIds(ctx.db, learntFromDownloads);
  const quotas = settings.enforceDownloads
    ? await enforceDownloads(ctx, downloadInput).catch((err) => {
        ctx.log.error({ err }, 'download enforcement failed');
        return [];
      })
    : [];
  const switchesChanged = await reconcileSwitches(ctx, settings, links, now).then(
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
    streamsByMember,
  };
}
