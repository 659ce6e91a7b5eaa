// Shared by download-switch-kill-plex.test.ts and download-switch-kill-jellyfin.test.ts (one file per platform, so
// each stays well inside the per-file time limit). kill -9 at each step of a download switch-off (src/main.ts as a child process), on Plex (plex.tv `allowSync`) and
// Jellyfin (`Policy.EnableContentDownloading`): the request at that step is carried out by the double and its answer
// held, and the process is killed while it waits. The bot started again on the same database never leaves the member
// switched off: not when the owner raises the allotment, not at the week's turn (here while the bot was down), not
// when `switch-off-downloads` is turned off. The restarts run in this process, on a test clock.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { downloadSwitches } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type JellyfinDouble, startJellyfinDouble } from '../doubles/jellyfin.ts';
import { type PlexDouble, startPlexDouble } from '../doubles/plex.ts';
import { type PlexTvDouble, startPlexTvDouble } from '../doubles/plex-tv.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { text } from '../helpers/discord.ts';
import { type ChildRun, runEntry } from '../helpers/process.ts';

const ADMIN = { id: '230000000000000001', username: 'owner' };
const ALICE = { id: '230000000000000002', username: 'alice' };
const ALERTS = { id: '330000000000000002', name: 'alerts' };
const PLEX_TOKEN = 'plex-owner-token-kill-1';
const JF_TOKEN = 'jf-key-kill-000111222';
const JF_ALICE = 'a11ce000000000000000000000000002';

let discord: DiscordDouble;
let plex: PlexDouble;
let plexTv: PlexTvDouble;
let jellyfin: JellyfinDouble;
let database: TestDatabase;
let dir: string;
const dataDir = () => join(dir, 'data');

const plexAllowed = () => plexTv.friend(7001)?.allowSync;
const jellyfinAllowed = () =>
  (jellyfin.user(JF_ALICE)?.Policy as { EnableContentDownloading: boolean } | undefined)
    ?.EnableContentDownloading;

async function until(what: string, condition: () => boolean | Promise<boolean>, output = () => '') {
  // Generous: start-up is slow on a loaded machine. Nothing here measures time.
  const deadline = Date.now() + 120_000;
  while (!(await condition()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(await condition(), `${what}\n${output()}`);
}

/** The bot as a child process on the real clock; commands through the Discord double. */
const startChild = (): ChildRun =>
  runEntry('src/main.ts', [], dir, {
    DISCORD_TOKEN: discord.token,
    DISCORD_GUILD_ID: discord.guildId,
    DISCORD_API_URL: discord.apiUrl,
    DATA_DIR: dataDir(),
    PLEX_TV_URL: plexTv.url,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    // The schedule never fires during the test: the cycle starts from /enforcement run-now.
    POLL_SCHEDULE: '0 0 1 1 *',
    CONFIRM_DELAY_SECONDS: '0',
    TIMEZONE: 'UTC',
    LOG_LEVEL: 'info',
  });

/** The bot in this process on the same database and data directory, once it holds the gateway and the servers. */
async function startInProcess(now: Date, serverIds = [1, 2]): Promise<TestBot> {
  const bot = await startTestBot({
    discord,
    now: now.toISOString(),
    existing: { databaseUrl: database.url, dataDir: dataDir() },
    config: { plexTvUrl: plexTv.url },
  });
  // On PostgreSQL the killed process's leases run out first (TTL 10 s).
  const cluster = bot.bot.ctx.cluster;
  await until(
    'the restarted bot holds the gateway and the servers',
    () => cluster.isGatewayHolder() && serverIds.every((id) => cluster.ownsServer(id)),
  );
  return bot;
}

const admin = (
  command: string,
  subcommand: string,
  options: Record<string, string | number | boolean> = {},
) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true, timeoutMs: 120_000 });

before(async () => {
  discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE], channels: [ALERTS] });
  plex = await startPlexDouble({ token: PLEX_TOKEN, premium: true, friendlyName: 'PlexMain' });
  plex.setAccounts([{ id: 7001, name: 'alice_plex' }]);
  plexTv = await startPlexTvDouble({
    token: PLEX_TOKEN,
    friends: [{ id: 7001, username: 'alice_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] }],
  });
  jellyfin = await startJellyfinDouble({
    token: JF_TOKEN,
    users: [{ id: JF_ALICE, name: 'alice', downloads: true }],
  });
  database = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'sw-switch-kill-'));
  const setup = await startInProcess(new Date(), []);
  await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: PLEX_TOKEN });
  await admin('server', 'add', { platform: 'jellyfin', name: 'Jelly', url: jellyfin.url, token: JF_TOKEN });
  await admin('plan', 'create', {
    name: 'Mobile',
    'stream-cap': 2,
    downloads: true,
    'download-allotment': 10,
  });
  await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: 'alice_plex' });
  await admin('user', 'link', { member: ALICE.id, server: 'Jelly', account: 'alice' });
  await admin('user', 'plan', { member: ALICE.id, plan: 'Mobile' });
  await admin('user', 'allotment', { member: ALICE.id, downloads: 2 });
  await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
  await admin('enforcement', 'switch-off-downloads', { enabled: true });
  await setup.stop();
  // Three downloads against an allotment of two, all this week (the child runs on the real clock).
  plex.setActivities([
    { uuid: 'dl-1', type: 'media.download', userID: 7001, subtitle: 'The Matrix', progress: 35 },
    { uuid: 'dl-2', type: 'media.download', userID: 7001, subtitle: 'Severance S01E01', progress: 80 },
    { uuid: 'dl-3', type: 'media.download', userID: 7001, subtitle: 'Arrival', progress: 10 },
  ]);
});

after(async () => {
  await discord?.stop();
  for (const d of [plex, plexTv, jellyfin]) await d?.stop();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

type Step = 'read' | 'write' | 'read-back';
type Trigger = 'allotment' | 'week-turn' | 'switch-off-downloads off';

/** Holds the answer to the request of `step` in the switch-off of `platform`; returns how to tell it was held. */
function holdAt(platform: 'plex' | 'jellyfin', step: Step): () => boolean {
  if (platform === 'plex') {
    const writes = plexTv.writes.length;
    const held = plexTv.heldAnswers;
    let done = false;
    plexTv.holdAnswer = ({ method, path }) => {
      const hit =
        !done &&
        (step === 'write'
          ? method === 'PUT' && path === '/api/v2/sharings/7001'
          : method === 'GET' &&
            path === '/api/users' &&
            (step === 'read') === (plexTv.writes.length === writes));
      if (hit) done = true;
      return hit;
    };
    return () => plexTv.heldAnswers > held;
  }
  const updates = jellyfin.policyUpdates.length;
  const held = jellyfin.heldAnswers;
  let done = false;
  jellyfin.holdAnswer = ({ method, path }) => {
    const hit =
      !done &&
      (step === 'write'
        ? method === 'POST' && path === `/Users/${JF_ALICE}/Policy`
        : method === 'GET' &&
          path === `/Users/${JF_ALICE}` &&
          (step === 'read') === (jellyfin.policyUpdates.length === updates));
    if (hit) done = true;
    return hit;
  };
  return () => jellyfin.heldAnswers > held;
}

const cases: Array<{ platform: 'plex' | 'jellyfin'; step: Step; trigger: Trigger }> = [
  { platform: 'plex', step: 'write', trigger: 'allotment' },
  { platform: 'plex', step: 'write', trigger: 'week-turn' },
  { platform: 'plex', step: 'write', trigger: 'switch-off-downloads off' },
  { platform: 'plex', step: 'read', trigger: 'week-turn' },
  { platform: 'plex', step: 'read-back', trigger: 'allotment' },
  { platform: 'jellyfin', step: 'write', trigger: 'allotment' },
  { platform: 'jellyfin', step: 'write', trigger: 'week-turn' },
  { platform: 'jellyfin', step: 'write', trigger: 'switch-off-downloads off' },
  { platform: 'jellyfin', step: 'read', trigger: 'switch-off-downloads off' },
  { platform: 'jellyfin', step: 'read-back', trigger: 'week-turn' },
];

/** Registers the kill cases of `platform` in the importing test file. */
export function killCases(only: 'plex' | 'jellyfin'): void {
  for (const { platform, step, trigger } of cases.filter((c) => c.platform === only)) {
    test(`${platform}: killed at the switch-off's ${step}, then ${trigger}: downloads back on everywhere`, async () => {
      assert.equal(plexAllowed(), true, 'Plex downloads on before');
      assert.equal(jellyfinAllowed(), true, 'Jellyfin downloads on before');
      const bot = startChild();
      try {
        await until('the bot is running', () => /Streamwarden is running/.test(bot.output()), bot.output);
        if (database.url) {
          // On PostgreSQL the instance acts once it senses both servers (the last bot's leases may still run).
          await until(
            'the instance senses both servers',
            () =>
              /"lease":"server:1","held":true/.test(bot.output()) &&
              /"lease":"server:2","held":true/.test(bot.output()),
            bot.output,
          );
        }
        const held = holdAt(platform, step);
        void admin('enforcement', 'run-now').catch(() => {});
        await until(`the ${platform} ${step} request was held`, held, bot.output);
        bot.child.kill('SIGKILL');
        await until('the bot is dead', () => bot.child.signalCode === 'SIGKILL');
      } finally {
        if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill('SIGKILL');
        plexTv.holdAnswer = null;
        jellyfin.holdAnswer = null;
      }
      const applied = step !== 'read';
      if (platform === 'plex')
        assert.equal(plexAllowed(), !applied, 'plex.tv applied the switch-off before the kill');
      else {
        assert.equal(plexAllowed(), false, 'Plex was switched off first');
        assert.equal(jellyfinAllowed(), !applied, 'Jellyfin applied the switch-off before the kill');
      }

      // The week turns while the bot is down: Sunday 00:00 UTC after next.
      const now = new Date();
      const later =
        trigger === 'week-turn'
          ? new Date(
              Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 7 - now.getUTCDay(), 1),
            )
          : now;
      const again = await startInProcess(later);
      try {
        if (trigger === 'allotment') {
          // Settled at start while still over the allotment: whatever the server applied is kept off, and known.
          await until('the switches are confirmed off at start', async () => {
            const rows = await again.bot.ctx.db.select().from(downloadSwitches);
            return rows.length > 0 && rows.every((r) => r.state === 'disabled');
          });
          assert.equal(plexAllowed(), false);
          await admin('user', 'allotment', { member: ALICE.id, downloads: 100 });
        } else if (trigger === 'switch-off-downloads off') {
          const reply = text(await admin('enforcement', 'switch-off-downloads', { enabled: false }));
          const switched = platform === 'plex' ? 1 : 2;
          assert.match(reply, new RegExp(`${switched} switched back on, 0 left off`));
        }
        // At the week's turn nothing is asked: the restart itself settles it.
        await until(
          'downloads are back on on both servers and no switch is left',
          async () =>
            plexAllowed() === true &&
            jellyfinAllowed() === true &&
            (await again.bot.ctx.db.select().from(downloadSwitches)).length === 0,
        );
        // Back to the starting point for the next case.
        await admin('user', 'allotment', { member: ALICE.id, downloads: 2 });
        await admin('enforcement', 'switch-off-downloads', { enabled: true });
        assert.equal(plexAllowed(), true, 'still on: switching off happens in cycles only');
      } finally {
        await again.stop();
      }
    });
  }
}
