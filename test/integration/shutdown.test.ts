// Clean shutdown of the real entry point (src/main.ts) as a child process: SIGTERM in the middle of an
// enforcement cycle lets the cycle finish (stop, notices, reply), then exits 0; a restart resumes where it left
// off (no second notice for the same episode); a second signal exits at once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import postgres from 'postgres';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type PlexDouble, type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { text } from '../helpers/discord.ts';
import { type ChildRun, runEntry } from '../helpers/process.ts';

const ADMIN = { id: '210000000000000001', username: 'owner' };
const ALICE = { id: '210000000000000002', username: 'alice' };
const ALERTS = { id: '310000000000000002', name: 'alerts' };
const PLEX_TOKEN = 'plex-token-shutdown-1a2b3c4d';

type Bot = ChildRun;

let discord: DiscordDouble;
let plex: PlexDouble;
let database: TestDatabase;
let dataDir: string;

function startBot(confirmDelaySeconds = 5): Bot {
  return runEntry('src/main.ts', [], dataDir, {
    DISCORD_TOKEN: discord.token,
    DISCORD_GUILD_ID: discord.guildId,
    DISCORD_API_URL: discord.apiUrl,
    DATA_DIR: join(dataDir, 'data'),
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    // The schedule never fires during the test: cycles start from /enforcement run-now.
    POLL_SCHEDULE: '0 0 1 1 *',
    // Long enough to send SIGTERM while the cycle waits to confirm the breach.
    CONFIRM_DELAY_SECONDS: String(confirmDelaySeconds),
    LOG_LEVEL: 'info',
  });
}

async function until(what: string, condition: () => boolean, bot: Bot): Promise<void> {
  // Generous: start-up is slow on a loaded machine. Nothing here measures time.
  const deadline = Date.now() + 120_000;
  while (!condition() && Date.now() < deadline && bot.child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(condition(), `${what}; output:\n${bot.output()}`);
}

const running = (bot: Bot) =>
  until('the bot is running', () => /Streamwarden is running/.test(bot.output()), bot);
const admin = (
  command: string,
  subcommand: string,
  options: Record<string, string | number | boolean> = {},
) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true, timeoutMs: 120_000 });
const sessionReads = () => plex.requests.filter((r) => r.path === '/status/sessions').length;

const session = (n: number): PlexSessionSpec => ({
  user: { id: 7001, title: 'alice_plex' },
  player: {
    state: 'playing',
    device: `Phone ${n}`,
    product: 'Plex for Android',
    address: `203.0.113.${n}`,
    machineIdentifier: `dev-${n}`,
    title: `Phone ${n}`,
  },
  type: 'movie',
  title: `Movie ${n}`,
  sessionKey: String(50 + n),
  session: { id: `session-${n}` },
});

before(async () => {
  discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE], channels: [ALERTS] });
  plex = await startPlexDouble({ token: PLEX_TOKEN, friendlyName: 'PlexMain' });
  plex.setAccounts([{ id: 7001, name: 'alice_plex' }]);
  database = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'sw-shutdown-'));
});

after(async () => {
  await discord?.stop();
  await plex?.stop();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('SIGTERM during a cycle: the cycle finishes, the gateway and database close, exit 0; a restart resumes', async () => {
  const first = startBot();
  try {
    await running(first);
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: PLEX_TOKEN });
    await admin('plan', 'create', { name: 'Solo', 'stream-cap': 1, downloads: false });
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: 'alice_plex' });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Solo' });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    discord.clearRecords(); // the channel's test message
    plex.setSessions([session(1), session(2)]);

    const readsBefore = sessionReads();
    const reply = admin('enforcement', 'run-now');
    // The first read is done: the cycle now waits CONFIRM_DELAY_SECONDS before the confirming re-read.
    await until('the cycle read the server', () => sessionReads() > readsBefore, first);
    assert.equal(plex.terminations.length, 0, 'still mid-cycle');
    first.child.kill('SIGTERM');

    assert.equal(await first.exited, 0, first.output());
    assert.match(first.output(), /shutting down/);
    assert.match(first.output(), /stopped cleanly/);
    // Nothing half-done: the confirming re-read, the stops (all of Alice's streams, as designed), the DM, the
    // alert and the command's answer all happened.
    assert.equal(sessionReads(), readsBefore + 2);
    assert.deepEqual(plex.terminations.map((t) => t.sessionId).sort(), ['session-1', 'session-2']);
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.equal(discord.messagesIn(ALERTS.id).length, 1);
    assert.match(text(await reply), /alice/i);
  } finally {
    if (first.child.exitCode === null) first.child.kill('SIGKILL');
  }

  // Started again on the same database: the open episode is remembered, so no second DM or alert.
  const second = startBot();
  try {
    await running(second);
    await admin('enforcement', 'run-now');
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.equal(discord.messagesIn(ALERTS.id).length, 1);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());
  } finally {
    if (second.child.exitCode === null) second.child.kill('SIGKILL');
  }
});

test('a second signal exits at once, without waiting for the cycle', async () => {
  const bot = startBot(60);
  try {
    await running(bot);
    plex.setSessions([session(3), session(4)]);
    const readsBefore = sessionReads();
    const stopsBefore = plex.terminations.length;
    void admin('enforcement', 'run-now').catch(() => {});
    await until('the cycle read the server', () => sessionReads() > readsBefore, bot);
    bot.child.kill('SIGTERM');
    await until('the first signal was taken', () => /shutting down/.test(bot.output()), bot);
    bot.child.kill('SIGINT');
    assert.equal(await bot.exited, 130);
    assert.match(bot.output(), /second signal/);
    assert.equal(plex.terminations.length, stopsBefore, 'the cycle was cut short, before its stop');
  } finally {
    if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
  }
});

test('kill -9 while a stop is in flight: the restarted bot carries it out, and tells the member once', async () => {
  const bot = startBot(0);
  // Earlier tests' episodes (one cut short by its process exiting) may still send their own notices while this
  // test runs: this test counts the notices about its own streams.
  const about = (messages: Array<{ content: string | null; embeds: Parameters<typeof text>[0]['embeds'] }>) =>
    messages.filter((m) => /Phone 5/.test(text(m))).length;
  const dms = () => about(discord.dmsTo(ALICE.id));
  const alerts = () => about(discord.messagesIn(ALERTS.id));
  const stopRequests = () => plex.requests.filter((r) => r.path === '/status/sessions/terminate').length;
  const stopsBefore = plex.terminations.length;
  const stopped = () => plex.terminations.slice(stopsBefore).map((t) => t.sessionId);
  try {
    await running(bot);
    // On PostgreSQL the instance starts on standby until the leases of the previous test's process (which exited
    // without releasing them) expire: act once it senses the server, or its cycles read nothing.
    if (database.url)
      await until(
        'the instance senses the server',
        () => /"lease":"server:1","held":true/.test(bot.output()),
        bot,
      );
    // Back within the cap first, so that the earlier tests' episode is resolved.
    plex.setSessions([]);
    await admin('enforcement', 'run-now');
    plex.setSessions([session(5), session(6)]);
    plex.holdTerminations = true;
    const before = stopRequests();
    void admin('enforcement', 'run-now').catch(() => {});
    // The decision and its stops are stored; the first stop has reached the server and hangs there.
    await until('a stop request reached the server', () => stopRequests() > before, bot);
    bot.child.kill('SIGKILL');
    assert.equal(await bot.exited, null, 'killed, no exit code');
  } finally {
    if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill('SIGKILL');
  }
  assert.deepEqual(stopped(), [], 'nothing took effect before the kill');
  assert.equal(dms(), 0, 'no DM before the kill');

  plex.holdTerminations = false;
  // No command and no schedule: the outbox resumes by itself (the killed instance's claims are taken over).
  const again = startBot(0);
  try {
    await running(again);
    await until(
      'both streams stopped, the member and the admins told',
      () => stopped().length === 2 && dms() === 1 && alerts() === 1,
      again,
    ).catch(async (err) => {
      if (database.url) {
        const sql = postgres(database.url, { max: 1, onnotice: () => {} });
        const rows =
          await sql`select key, state, attempts, locked_by, locked_until, last_error, now() as db_now from outbox order by id`;
        const leases = await sql`select * from leases`;
        console.log(
          'DIAG',
          JSON.stringify({ stopped: stopped(), dms: dms(), alerts: alerts(), rows, leases }),
        );
        await sql.end();
      }
      throw err;
    });
    assert.deepEqual(stopped().sort(), ['session-5', 'session-6']);
    // Nothing more arrives later: one DM, one alert.
    await admin('enforcement', 'run-now');
    assert.equal(dms(), 1);
    assert.equal(alerts(), 1);
    again.child.kill('SIGTERM');
    assert.equal(await again.exited, 0, again.output());
  } finally {
    if (again.child.exitCode === null) again.child.kill('SIGKILL');
  }
});
