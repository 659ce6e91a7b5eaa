// Generates the example report image (docs/weekly-report-example.png) the way the bot does: a fresh
// embedded database with the real migrations, one week of logged rows, buildWeeklyReport, then the chart.
// Run: node --import tsx scripts/report-example.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openDatabase } from '../src/db/client.ts';
import {
  breachEpisodes,
  downloads,
  mediaServers,
  members,
  plans,
  serverOutages,
  streamLog,
} from '../src/db/schema.ts';
import { weeklyReportMessage } from '../src/report/render.ts';
import { buildWeeklyReport } from '../src/services/report.ts';

const ZONE = 'Europe/Paris';
// The week of Sunday 15 November 2026 in Paris (CET, UTC+1), reported on the following Sunday morning.
const WEEK_START = Date.parse('2026-11-14T23:00:00Z');
const NOW = new Date('2026-11-22T08:00:00Z');
const HOUR = 3_600_000;
const OUT = resolve(import.meta.dirname, '../docs/weekly-report-example.png');

/** A small deterministic generator, so the picture is the same on every run. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const dir = mkdtempSync(join(tmpdir(), 'streamwarden-example-'));
const database = await openDatabase({ databaseUrl: null, dataDir: dir });
try {
  const { db } = database;
  const rnd = random(42);
  const [plan] = await db
    .insert(plans)
    .values({ name: 'Standard', streamCap: 2, downloadsAllowed: true, weeklyDownloads: 10 })
    .returning();
  const [server] = await db
    .insert(mediaServers)
    .values({ name: 'Basement Plex', platform: 'plex', url: 'http://127.0.0.1:32400', tokenEncrypted: 'x' })
    .returning();
  const [jelly] = await db
    .insert(mediaServers)
    .values({ name: 'Jellyfin', platform: 'jellyfin', url: 'http://127.0.0.1:8096', tokenEncrypted: 'x' })
    .returning();
  if (!plan || !server || !jelly) throw new Error('seed failed');
  const names = ['alex', 'sam', 'jordan', 'maria', 'noah', 'li', 'priya', 'tom', 'eva', 'omar', 'zoe', 'ken'];
  const people = await db
    .insert(members)
    .values(
      names.map((name, i) => ({
        discordUserId: String(100000000000000000n + BigInt(i)),
        displayName: name,
        planId: i === names.length - 1 ? null : plan.id,
        downloadAllotment: i === 0 ? 15 : null,
      })),
    )
    .returning();
  for (let day = 0; day < 7; day++) {
    const evening = WEEK_START + day * 24 * HOUR + 18 * HOUR;
    const sessions = 3 + Math.floor(rnd() * (day >= 5 ? 8 : 5));
    await db.insert(streamLog).values(
      Array.from({ length: sessions }, (_, k) => {
        const start = evening + rnd() * 3 * HOUR;
        return {
          serverId: k % 3 === 0 ? jelly.id : server.id,
          memberId: people[k % people.length]?.id ?? null,
          sessionKey: `${day}-${k}`,
          accountName: 'account',
          device: `device-${k}`,
          title: 'Title',
          state: 'playing',
          firstSeenAt: new Date(start),
          lastSeenAt: new Date(start + (0.5 + rnd() * 2) * HOUR),
        };
      }),
    );
    const breaches = Math.floor(rnd() * 3);
    for (let b = 0; b < breaches; b++) {
      await db.insert(breachEpisodes).values({
        memberId: people[Math.floor(rnd() * people.length)]?.id ?? 0,
        openedAt: new Date(evening + (b + 1) * HOUR),
        closedAt: new Date(evening + (b + 1.5) * HOUR),
      });
    }
  }
  const counts = [14, 12, 11, 9, 7, 6, 5, 4, 3, 2, 1, 2];
  for (const [i, person] of people.entries()) {
    await db.insert(downloads).values(
      Array.from({ length: counts[i] ?? 0 }, (_, k) => {
        const startedAt = new Date(WEEK_START + rnd() * 7 * 24 * HOUR);
        return {
          serverId: server.id,
          memberId: person.id,
          downloadKey: `${i}-${k}`,
          title: 'Episode',
          startedAt,
          lastSeenAt: startedAt,
          logged: true,
        };
      }),
    );
  }
  await db.insert(serverOutages).values({
    serverId: jelly.id,
    startedAt: new Date(WEEK_START + 3 * 24 * HOUR + 2 * HOUR),
    endedAt: new Date(WEEK_START + 3 * 24 * HOUR + 4 * HOUR + 20 * 60_000),
    reason: 'could not connect',
  });
  const message = weeklyReportMessage(await buildWeeklyReport(db, NOW, ZONE, 'last'));
  const file = message.files?.[0];
  if (!file) throw new Error('no chart');
  writeFileSync(OUT, file.attachment);
  console.log(`wrote ${OUT} (${file.attachment.length} bytes)`);
} finally {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}
