// A fleet of Plex servers for the scale benches: N servers × 25 streams, 5 linked members per server each streaming
// 5 at once (one of them paused) on a plan with a cap of 5 that stops the newest stream. The doubles run in a
// process of their own (doubles-host.ts), so this process is the bot's (and the Discord double's, idle but for
// the breach DMs) alone. Members and links go straight into the database: 1,000 `/user link` interactions would
// only time the set-up.
import { mediaAccounts, mediaServers, members, plans, settings } from '../../src/db/schema.ts';
import { DiscordDouble, type DoubleUser } from '../doubles/discord/index.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { type DoublesHost, hostDoubles, plexAccountName, type Slot } from './doubles-host.ts';

export const STREAMS_PER_SERVER = 25;
export const ACCOUNTS_PER_SERVER = 5;
const PER_ACCOUNT = STREAMS_PER_SERVER / ACCOUNTS_PER_SERVER;
export const CAP = PER_ACCOUNT;
const ADMIN: DoubleUser = { id: '270000000000000001', username: 'owner' };

export const accountOf = (server: number, a: number) => 100_000 + server * ACCOUNTS_PER_SERVER + a;

export interface Fleet {
  bot: TestBot;
  host: DoublesHost;
  discord: DiscordDouble;
  servers: number;
  /** The streams each server lists now (the parent's copy). */
  slots: Slot[][];
  stop(): Promise<void>;
}

/** Server s, account a, stream j: the base streams; the last stream of each account is paused. */
const baseSlots = (server: number): Slot[] =>
  Array.from({ length: STREAMS_PER_SERVER }, (_, n) => ({
    account: accountOf(server, Math.floor(n / PER_ACCOUNT)),
    key: 1000 + n,
    paused: n % PER_ACCOUNT === PER_ACCOUNT - 1,
  }));

export async function startFleet(
  servers: number,
  botConfig: Parameters<typeof startTestBot>[0]['config'] = {},
) {
  const accounts = Array.from({ length: servers }, (_, s) =>
    Array.from({ length: ACCOUNTS_PER_SERVER }, (_, a) => accountOf(s, a)),
  );
  const users: DoubleUser[] = Array.from({ length: servers * ACCOUNTS_PER_SERVER }, (_, i) => ({
    id: `27${String(i + 2).padStart(16, '0')}`,
    username: `member${i}`,
  }));
  const discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN] });
  for (const u of users) discord.addMember(u);
  const host = await hostDoubles(accounts);
  const bot = await startTestBot({ discord, config: { mediaTimeoutMs: 5000, ...botConfig } });
  const admin = (command: string, subcommand: string, options: Record<string, string | number | boolean>) =>
    discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true, timeoutMs: 60_000 });
  await admin('plan', 'create', { name: 'Five', 'stream-cap': CAP, downloads: false, stop: 'newest' });
  for (const [s, server] of host.servers.entries()) {
    await admin('server', 'add', { platform: 'plex', name: `P${s}`, url: server.url, token: server.token });
  }
  const db = bot.bot.ctx.db;
  const [plan] = await db.select().from(plans);
  const serverIds = new Map((await db.select().from(mediaServers)).map((r) => [r.name, r.id]));
  const rows = await db
    .insert(members)
    .values(users.map((u) => ({ discordUserId: u.id, displayName: u.username, planId: plan!.id })))
    .returning({ id: members.id });
  await db.insert(mediaAccounts).values(
    rows.map((r, i) => ({
      memberId: r.id,
      serverId: serverIds.get(`P${Math.floor(i / ACCOUNTS_PER_SERVER)}`)!,
      accountName: plexAccountName(accountOf(Math.floor(i / ACCOUNTS_PER_SERVER), i % ACCOUNTS_PER_SERVER)),
    })),
  );
  const slots = Array.from({ length: servers }, (_, s) => baseSlots(s));
  for (const [s, list] of slots.entries()) await host.set(s, list);
  const fleet: Fleet = {
    bot,
    host,
    discord,
    servers,
    slots,
    async stop() {
      await bot.stop();
      await host.stop();
      await discord.stop();
    },
  };
  return fleet;
}

/**
 * Every enforcement rule on, for the "rules on vs off" row: THE one place where a rule's plan option or setting is
 * switched on. A new rule adds its own line here (its option on every plan, its setting on), so the row keeps
 * measuring the cost of all of them together.
 */
export async function enableEveryRule(bot: TestBot): Promise<string[]> {
  const db = bot.bot.ctx.db;
  const tomorrow = new Date(bot.clock.now().getTime() + 86_400_000).toISOString().slice(0, 10);
  // Paused limit: a stream paused over 30 minutes no longer counts against the cap (every fleet member has one).
  await db.update(plans).set({ pausedLimitMinutes: 30, pausedAction: 'uncount' });
  // Plans that end: every member's explicit plan has an end date (tomorrow, so it still applies today).
  await db.update(members).set({ planUntil: tomorrow });
  // Transcode rules: no 4K conversions, at most 2 converted streams; over the allotment downloads are cancelled;
  // streams from the server's own networks are free; more than 3 households a day raise a flag.
  await db.update(plans).set({
    transcodes: 'no-4k',
    transcodeCap: 2,
    downloadsOverQuota: 'cancel',
    homeStreams: 'free',
    households: 3,
  });
  // Home networks on every server (the fleet's streams come from elsewhere, so each is matched and still counted).
  await db.update(mediaServers).set({ homeNetworks: ['192.168.0.0/16', 'fd00::/8'] });
  // Server limits above what the fleet plays, so every stream is counted against them and none is stopped.
  await db.update(mediaServers).set({ maxStreams: 100, maxTranscodes: 50 });
  // Impossible travel flags.
  await db.update(settings).set({ impossibleTravel: true });
  return [
    'paused limit 30 min (uncount)',
    'plan ends tomorrow',
    'transcodes no-4k, transcode cap 2',
    'downloads over the allotment cancelled',
    'home networks on every server, home streams free',
    'households 3, impossible travel',
    'server limits 100 streams, 50 transcodes',
  ];
}
