// The input side of `npm run screenshots`: the real bot against the loopback doubles (as the integration tests run
// it), driven into the situations the documentation shows, and the message payloads it sent, as Discord got them.
import { type APIEmbed, PermissionFlagsBits } from 'discord-api-types/v10';
import { DiscordDouble } from '../../test/doubles/discord/index.ts';
import { type JellyfinDouble, startJellyfinDouble } from '../../test/doubles/jellyfin.ts';
import { startPlexDouble } from '../../test/doubles/plex.ts';
import { startTestBot, type TestBot } from '../../test/helpers/bot.ts';

/** What the bot sent in one message or interaction reply. */
export interface Payload {
  content: string | null;
  embeds: APIEmbed[];
  components: unknown[];
  /** An interaction reply only its invoker sees. */
  ephemeral: boolean;
}

/** One picture: the message, who sent it (the bot) and, for a reply, the command and who ran it. */
export interface Shot {
  payload: Payload;
  /** Where it was posted, as Discord names it: a DM, or `#alerts`. */
  channel: string;
  /** A slash command's reply: the command line and the member who ran it. */
  command?: { name: string; user: string };
  /** The bot's clock when it was sent: its time, and what `<t:…:R>` timestamps in it are relative to. */
  at: Date;
}

export interface Capture {
  botName: string;
  /** Display names by user id, channel names by channel id: what `<@id>` and `<#id>` show. */
  users: Record<string, string>;
  channels: Record<string, string>;
  shots: { warning: Shot; alert: Shot; quota: Shot; status: Shot };
}

// Example people, servers and devices. Ids are Discord snowflakes of the same length as real ones.
const ADMIN = { id: '240000000000000001', username: 'alex', globalName: 'Alex' };
const MEMBER = { id: '240000000000000002', username: 'sam', globalName: 'Sam' };
const ALERTS = { id: '340000000000000002', name: 'alerts' };
const GENERAL = { id: '340000000000000001', name: 'general' };
const PLEX_TOKEN = 'plex-token-screenshots-0001';
const JELLYFIN_TOKEN = 'jf-key-screenshots-0001';
const JELLYFIN_USER = { id: '5a3e0000000000000000000000000001', name: 'sam' };
const NOW = '2026-11-18T20:04:00Z';

const snapshot = (m: {
  content: string | null;
  embeds: APIEmbed[];
  components: unknown[];
  ephemeral?: boolean;
}): Payload =>
  structuredClone({
    content: m.content,
    embeds: m.embeds,
    components: m.components,
    ephemeral: m.ephemeral ?? false,
  });

/** Waits (bounded) for something the bot does on its own, such as the cycle a push event starts. */
async function until(what: string, check: () => boolean, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts the doubles and the bot, produces each situation, and stops everything again. */
export async function capture(): Promise<Capture> {
  const discord = await DiscordDouble.start({
    ownerId: ADMIN.id,
    members: [ADMIN, MEMBER],
    channels: [GENERAL, ALERTS],
  });
  // #alerts as the docs advise: hidden from @everyone, open to the bot's own role.
  const botRole = discord.createRole({ name: 'Streamwarden', botId: discord.botUser.id }).id;
  discord.addRole(discord.botUser.id, botRole);
  discord.setOverwrites(ALERTS.id, [
    { id: discord.guildId, type: 0, allow: '0', deny: String(PermissionFlagsBits.ViewChannel) },
    { id: botRole, type: 0, allow: String(PermissionFlagsBits.ViewChannel), deny: '0' },
  ]);
  const plex = await startPlexDouble({ token: PLEX_TOKEN, premium: true, friendlyName: 'Home Plex' });
  let jellyfin: JellyfinDouble | undefined;
  let bot: TestBot | undefined;
  try {
    plex.setAccounts([{ id: 7101, name: 'sam_plex' }]);
    jellyfin = await startJellyfinDouble({ token: JELLYFIN_TOKEN, users: [JELLYFIN_USER] });
    bot = await startTestBot({ discord, now: NOW, config: { push: true } });
    const running = bot;
    const admin = (
      command: string,
      subcommand?: string,
      options: Record<string, string | number | boolean> = {},
    ) =>
      discord.invoke({
        user: ADMIN.id,
        command,
        ...(subcommand ? { subcommand } : {}),
        options,
        admin: true,
      });
    await admin('server', 'add', { platform: 'plex', name: 'Home Plex', url: plex.url, token: PLEX_TOKEN });
    await admin('server', 'add', {
      platform: 'jellyfin',
      name: 'Jellyfin',
      url: jellyfin.url,
      token: JELLYFIN_TOKEN,
    });
    await admin('plan', 'create', {
      name: 'Family',
      'stream-cap': 1,
      downloads: true,
      'download-allotment': 10,
      grace: 120,
      stop: 'newest',
    });
    await admin('user', 'link', { member: MEMBER.id, server: 'Home Plex', account: 'sam_plex' });
    await admin('user', 'link', { member: MEMBER.id, server: 'Jellyfin', account: JELLYFIN_USER.name });
    await admin('user', 'plan', { member: MEMBER.id, plan: 'Family' });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    discord.clearRecords();

    // One stream on the Plex server, then a second one on Jellyfin a few minutes later: over a cap of one.
    plex.setSessions([
      {
        user: { id: 7101, title: 'sam_plex' },
        player: {
          state: 'playing',
          device: 'Living room TV',
          product: 'Plex for LG',
          address: '203.0.113.10',
          machineIdentifier: 'tv-living-room',
          title: 'Living room TV',
        },
        type: 'movie',
        title: 'Arrival',
        sessionKey: '41',
      },
    ]);
    const events = () => [...running.bot.ctx.pushStates().values()].filter((p) => p.lastEventAt).length;
    await until(
      'both push sockets open',
      () => plex.push.connections === 1 && jellyfin?.push.connections === 1,
    );
    // Three downloads to phones earlier in the week: /quota counts them.
    plex.setActivities(
      ['Severance S01E01', 'Severance S01E02', 'The Matrix'].map((subtitle, i) => ({
        uuid: `dl-${i}`,
        type: 'media.download',
        userID: 7101,
        subtitle,
        progress: 100,
      })),
    );
    // Each server pushes an event (what /status reports), then a poll reads both.
    plex.push.playing('41', 'playing');
    jellyfin.push.sessions(jellyfin.setSessions([]));
    await until('both push events are seen', () => events() === 2);
    await running.bot.ctx.runCycleNow();
    running.clock.advance(4 * 60_000);
    jellyfin.setSessions([
      {
        user: JELLYFIN_USER,
        device: 'Phone',
        client: 'Jellyfin Android',
        deviceId: 'phone-sam',
        ip: '198.51.100.24',
        item: { name: 'Dune', type: 'Movie' },
      },
    ]);
    await running.bot.ctx.runCycleNow();
    const dm = discord.dmsTo(MEMBER.id).at(-1);
    if (!dm) throw new Error('the bot sent no grace warning');
    const warning = { payload: snapshot(dm), channel: `@${MEMBER.globalName}`, at: running.clock.now() };
    const quota = {
      payload: snapshot(await discord.invoke({ user: MEMBER.id, command: 'quota' })),
      channel: `#${GENERAL.name}`,
      command: { name: 'quota', user: MEMBER.globalName },
      at: running.clock.now(),
    };

    // The grace runs out: the newest stream is stopped and the admins are alerted.
    running.clock.advance(121_000);
    await running.bot.ctx.runCycleNow();
    await running.bot.ctx.effects.drain();
    const posted = discord.messagesIn(ALERTS.id).at(-1);
    if (!posted) throw new Error('the bot posted no alert');
    const alert = { payload: snapshot(posted), channel: `#${ALERTS.name}`, at: running.clock.now() };
    const status = {
      payload: snapshot(await admin('status')),
      channel: `#${GENERAL.name}`,
      command: { name: 'status', user: ADMIN.globalName },
      at: running.clock.now(),
    };
    return {
      botName: discord.botUser.username,
      users: { [ADMIN.id]: ADMIN.globalName, [MEMBER.id]: MEMBER.globalName },
      channels: { [ALERTS.id]: ALERTS.name, [GENERAL.id]: GENERAL.name },
      shots: { warning, alert, quota, status },
    };
  } finally {
    await bot?.stop();
    await discord.stop();
    await plex.stop();
    await jellyfin?.stop();
  }
}
