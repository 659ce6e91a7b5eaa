// The whole database in one file. Migrations are generated from it into drizzle/ (npm run db:generate).
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const ts = (name: string) => timestamp(name, { withTimezone: true });

// ─── Settings ───────────────────────────────────────────────────────────────────────────────────

/** One row (id = 1): the community's enforcement switches. */
export const settings = pgTable(
  'settings',
  {
    id: integer('id').primaryKey().default(1),
    enforceStreams: boolean('enforce_streams').notNull().default(true),
    enforceDownloads: boolean('enforce_downloads').notNull().default(true),
    disableDownloads: boolean('disable_downloads').notNull().default(false),
    dryRun: boolean('dry_run').notNull().default(false),
    alertsChannelId: text('alerts_channel_id'),
    /** Where the weekly report is posted at the turn of the week; null: no automatic report. */
    reportsChannelId: text('reports_channel_id'),
    /** Whether members may link themselves with /link (Plex PIN, Jellyfin Quick Connect). */
    selfLink: boolean('self_link').notNull().default(true),
    /** Leave members' IP addresses out of admin alerts (they are still logged and shown by /activity). */
    hideAddresses: boolean('hide_addresses').notNull().default(false),
    /** Flag two places of one account too far apart for the time between them (docs/fairness.md). */
    impossibleTravel: boolean('impossible_travel').notNull().default(false),
    /** What happens to accounts that stream and are linked to nobody: `ignore`, `alert` (once a week each), or
     *  `plan` (each account is held to `unlinked_plan_id`, one account = one person). */
    unlinkedMode: text('unlinked_mode').$type<'ignore' | 'alert' | 'plan'>().notNull().default('alert'),
    /** The plan accounts linked to nobody are held to in mode `plan` (set exactly then). */
    unlinkedPlanId: integer('unlinked_plan_id').references(() => plans.id, { onDelete: 'restrict' }),
    /** Members with this Discord role count as Streamwarden admins (`/enforcement admin-role`); null: none. */
    adminRoleId: text('admin_role_id'),
    commandsHash: text('commands_hash'),
    /** The install's X-Plex-Client-Identifier on every Plex and plex.tv call; set once at the first start. */
    plexClientIdentifier: text('plex_client_identifier'),
    /** The community's language as Discord last sent it (`guild_locale`): notices to members whose own is unknown. */
    guildLocale: text('guild_locale'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('settings_single_row', sql`${t.id} = 1`),
    check('settings_unlinked_mode', sql`${t.unlinkedMode} in ('ignore', 'alert', 'plan')`),
    check('settings_unlinked_plan', sql`(${t.unlinkedMode} = 'plan') = (${t.unlinkedPlanId} is not null)`),
  ],
);

/** Notice templates the owner changed; a missing row means the built-in default. */
/** An owner's text for a notice, one per template and language (`en`, `de`, `fr`: the shipped languages). */
export const templates = pgTable(
  'templates',
  {
    name: text('name').notNull(),
    language: text('language').notNull().default('en'),
    text: text('text').notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.name, t.language] })],
);

// ─── Plans and members ──────────────────────────────────────────────────────────────────────────

export const plans = pgTable(
  'plans',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    streamCap: integer('stream_cap').notNull(),
    downloadsAllowed: boolean('downloads_allowed').notNull(),
    weeklyDownloads: integer('weekly_downloads'),
    /** Seconds a breach must last before anything is stopped (0: at once); the member is warned meanwhile. */
    graceSeconds: integer('grace_seconds').notNull().default(0),
    /** `all`: stop every stream of the member; `newest`: only as many of the newest as needed. */
    stopRule: text('stop_rule').$type<StopRule>().notNull().default('all'),
    /** `streams`: every stream counts; `locations`: streams from one IP address count as one. */
    countBy: text('count_by').$type<CountBy>().notNull().default('streams'),
    /** Minutes a stream may stay paused before `pausedAction` applies (0: no limit). */
    pausedLimitMinutes: integer('paused_limit_minutes').notNull().default(0),
    /** `stop`: a stream paused longer than the limit is stopped; `uncount`: it no longer counts against the cap. */
    pausedAction: text('paused_action').$type<PausedAction>().notNull().default('stop'),
    /** `count`: streams from the server's home networks count like any other; `free`: they do not count. */
    homeStreams: text('home_streams').$type<HomeStreams>().notNull().default('count'),
    /** Places (networks) a member's streams may come from in one day before the admins are alerted (0: no flag). */
    households: integer('households').notNull().default(0),
    /** Converted (transcoded) video: `allow`, `no-4k` (not from a file above 1440p), `none`. */
    transcodes: text('transcodes').$type<TranscodeRule>().notNull().default('allow'),
    /** Converted video streams the member may have at once, across servers; null: no cap. */
    transcodeCap: integer('transcode_cap'),
    /** What happens to a member over the download allotment: `warn`, `switch-off` (downloads off until the week
     *  ends) or `cancel` (downloads in progress cancelled where the server can, switched off where it cannot).
     *  Null: as the community's `/enforcement switch-off-downloads` says (what every plan did before). */
    downloadsOverQuota: text('downloads_over_quota').$type<OverQuotaAction>(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('plans_name_unique').on(sql`lower(${t.name})`),
    check('plans_grace_range', sql`${t.graceSeconds} between 0 and 900`),
    check('plans_stop_rule', sql`${t.stopRule} in ('all', 'newest')`),
    check('plans_count_by', sql`${t.countBy} in ('streams', 'locations')`),
    check('plans_paused_limit_range', sql`${t.pausedLimitMinutes} between 0 and 1440`),
    check('plans_paused_action', sql`${t.pausedAction} in ('stop', 'uncount')`),
    check('plans_home_streams', sql`${t.homeStreams} in ('count', 'free')`),
    check('plans_households_range', sql`${t.households} between 0 and 20`),
    check('plans_transcodes', sql`${t.transcodes} in ('allow', 'no-4k', 'none')`),
    check('plans_transcode_cap_range', sql`${t.transcodeCap} between 1 and 100`),
    check('plans_downloads_over_quota', sql`${t.downloadsOverQuota} in ('warn', 'switch-off', 'cancel')`),
    check('plans_stream_cap_positive', sql`${t.streamCap} >= 1`),
    check('plans_weekly_downloads_non_negative', sql`${t.weeklyDownloads} >= 0`),
  ],
);

export const members = pgTable(
  'members',
  {
    id: serial('id').primaryKey(),
    discordUserId: text('discord_user_id').notNull().unique(),
    /** Display name when last seen, for alerts and lists (never used to ping). */
    displayName: text('display_name').notNull(),
    planId: integer('plan_id').references(() => plans.id, { onDelete: 'restrict' }),
    downloadAllotment: integer('download_allotment'),
    email: text('email'),
    /** True when `plan_id` comes from the member's Discord roles (role sync); false when set with `/user plan`. */
    planFromRoles: boolean('plan_from_roles').notNull().default(false),
    /** The local date (in TIMEZONE) an explicit plan ends on (`/user plan … until:`): from the start of that day the
     *  member falls back to the plan their roles give, or none. Null: the plan has no end. Only on explicit plans. */
    planUntil: date('plan_until', { mode: 'string' }),
    /** Set on a stand-in: the row that carries the breaches of an account linked to nobody on this server (with
     *  `/enforcement unlinked plan`). A stand-in has no Discord user (`discord_user_id` is `stand-in:…`), is never
     *  listed as a member and gets no DM; its display name is the account's name. */
    standInServerId: integer('stand_in_server_id').references(() => mediaServers.id, { onDelete: 'cascade' }),
    /** A stand-in's account: the account id when the server gives one, else its name in lower case. */
    standInAccount: text('stand_in_account'),
    /** The member's Discord language when they last used a command (`locale`): their DMs and notices use it. */
    locale: text('locale'),
    createdAt: createdAt(),
  },
  (t) => [
    check('members_allotment_non_negative', sql`${t.downloadAllotment} >= 0`),
    check('members_stand_in_pair', sql`(${t.standInServerId} is null) = (${t.standInAccount} is null)`),
    check(
      'members_plan_until_explicit',
      sql`${t.planUntil} is null or (${t.planId} is not null and not ${t.planFromRoles})`,
    ),
    uniqueIndex('members_stand_in_unique').on(t.standInServerId, t.standInAccount),
  ],
);

/** Discord roles that give a plan (`/plan role`): one plan per role, any number of roles per plan. */
export const rolePlans = pgTable(
  'role_plans',
  {
    roleId: text('role_id').primaryKey(),
    planId: integer('plan_id')
      .notNull()
      .references(() => plans.id, { onDelete: 'restrict' }),
    /** The role's name when it was bound, for lists (the role itself is looked up by id). */
    roleName: text('role_name').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('role_plans_plan_idx').on(t.planId)],
);

// ─── Media servers and linked accounts ─────────────────────────────────────────────────────────

export const platformEnum = pgEnum('platform', ['plex', 'jellyfin', 'emby']);
export const serverStatusEnum = pgEnum('server_status', ['unknown', 'up', 'down']);

export const mediaServers = pgTable(
  'media_servers',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    platform: platformEnum('platform').notNull(),
    url: text('url').notNull(),
    /** AES-256-GCM ciphertext (src/secrets.ts); the token is never stored in clear. */
    tokenEncrypted: text('token_encrypted').notNull(),
    /** Plex machineIdentifier / Jellyfin and Emby server Id, learnt when the server is added or tested. */
    remoteId: text('remote_id'),
    version: text('version'),
    premium: boolean('premium'),
    canStopStreams: boolean('can_stop_streams').notNull().default(true),
    stopUnavailableReason: text('stop_unavailable_reason'),
    logStreams: boolean('log_streams').notNull().default(true),
    logDownloads: boolean('log_downloads').notNull().default(true),
    /** The server's own networks in CIDR notation (`/server networks`, src/policy/home-networks.ts); none by default. */
    homeNetworks: jsonb('home_networks').$type<string[]>().notNull().default([]),
    /** `/server limits`: at most this many streams at once on this server, whatever the plans say; null: no cap. */
    maxStreams: integer('max_streams'),
    /** `/server limits`: at most this many transcoded streams at once on this server; null: no cap. */
    maxTranscodes: integer('max_transcodes'),
    status: serverStatusEnum('status').notNull().default('unknown'),
    statusReason: text('status_reason'),
    statusSince: ts('status_since'),
    lastPollAt: ts('last_poll_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('media_servers_name_unique').on(sql`lower(${t.name})`)],
);

export const mediaAccounts = pgTable(
  'media_accounts',
  {
    id: serial('id').primaryKey(),
    memberId: integer('member_id')
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    serverId: integer('server_id')
      .notNull()
      .references(() => mediaServers.id, { onDelete: 'cascade' }),
    accountName: text('account_name').notNull(),
    /** The platform's account id once learnt (from a session, an activity or the server's user list). */
    accountId: text('account_id'),
    /** `admin`: made (or approved) by an admin, which `/link` never replaces without an admin's approval;
     *  `member`: the member's own `/link`. */
    linkedBy: text('linked_by').$type<LinkedBy>().notNull().default('admin'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('media_accounts_member_server_unique').on(t.memberId, t.serverId),
    uniqueIndex('media_accounts_server_name_unique').on(t.serverId, sql`lower(${t.accountName})`),
    /** One person per account: an account id is linked to one member per server at most. */
    uniqueIndex('media_accounts_server_account_id_unique')
      .on(t.serverId, t.accountId)
      .where(sql`${t.accountId} is not null`),
  ],
);

/**
 * A member's `/link` that would replace a link an admin made: put to the admins (an alert with Approve/Refuse
 * buttons) and stored until one of them decides. The old link stays, and is enforced, until then.
 */
export const linkRequests = pgTable(
  'link_requests',
  {
    id: serial('id').primaryKey(),
    memberId: integer('member_id')
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    serverId: integer('server_id')
      .notNull()
      .references(() => mediaServers.id, { onDelete: 'cascade' }),
    /** The account the member signed in with. */
    accountName: text('account_name').notNull(),
    accountId: text('account_id'),
    /** The admin-made link it would replace, as it was when asked. */
    previousAccountName: text('previous_account_name').notNull(),
    /** How the member proved the account (`plex-pin`, `quick-connect`). */
    via: text('via').notNull(),
    state: text('state').$type<LinkRequestState>().notNull().default('pending'),
    requestedAt: ts('requested_at').notNull(),
    decidedBy: text('decided_by'),
    decidedAt: ts('decided_at'),
  },
  (t) => [
    uniqueIndex('link_requests_one_pending').on(t.memberId, t.serverId).where(sql`${t.state} = 'pending'`),
    check('link_requests_state', sql`${t.state} in ('pending', 'approved', 'refused', 'replaced')`),
  ],
);

// ─── Activity ───────────────────────────────────────────────────────────────────────────────────

/** One row per playback session seen (updated while it lasts), kept when the server's stream logging is on. */
export const streamLog = pgTable(
  'stream_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    serverId: integer('server_id')
      .notNull()
      .references(() => mediaServers.id, { onDelete: 'cascade' }),
    memberId: integer('member_id').references(() => members.id, { onDelete: 'set null' }),
    sessionKey: text('session_key').notNull(),
    accountName: text('account_name').notNull(),
    device: text('device').notNull(),
    /** `ActiveStream.deviceId` (Plex player machineIdentifier, Jellyfin/Emby DeviceId), when the server gives one. */
    deviceId: text('device_id'),
    ipAddress: text('ip_address'),
    title: text('title'),
    state: text('state').notNull(),
    firstSeenAt: ts('first_seen_at').notNull(),
    lastSeenAt: ts('last_seen_at').notNull(),
  },
  (t) => [
    index('stream_log_server_key_idx').on(t.serverId, t.sessionKey, t.lastSeenAt),
    index('stream_log_seen_idx').on(t.lastSeenAt),
    index('stream_log_member_device_idx').on(t.memberId, t.deviceId),
  ],
);

/**
 * Every download seen, keyed by the platform's id: the quota is counted from these rows (see
 * src/policy/downloads.ts). `logged` says whether /activity may show it (the server's download logging switch).
 */
export const downloads = pgTable(
  'downloads',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    serverId: integer('server_id')
      .notNull()
      .references(() => mediaServers.id, { onDelete: 'cascade' }),
    memberId: integer('member_id').references(() => members.id, { onDelete: 'set null' }),
    downloadKey: text('download_key').notNull(),
    accountName: text('account_name'),
    title: text('title').notNull(),
    startedAt: ts('started_at').notNull(),
    lastSeenIncompleteAt: ts('last_seen_incomplete_at'),
    lastSeenAt: ts('last_seen_at').notNull(),
    logged: boolean('logged').notNull(),
  },
  (t) => [
    uniqueIndex('downloads_server_key_unique').on(t.serverId, t.downloadKey),
    // One member's week in one range scan (src/db/downloads.ts `inWeek`): a download can count in a week only if
    // its last sign of life (its start, or its latest incomplete sighting) is in or after the week's start. The
    // two times follow as key columns, so the units can be summed from the index alone.
    index('downloads_member_last_active_idx').on(
      t.memberId,
      sql`greatest(${t.startedAt}, ${t.lastSeenIncompleteAt})`,
      t.startedAt,
      t.lastSeenIncompleteAt,
    ),
  ],
);

/**
 * Each time a server was down: opened at the read that found it down, closed at the first read that found it up
 * again. The weekly report's downtime comes from these rows (media_servers keeps only the current status).
 */
export const serverOutages = pgTable(
  'server_outages',
  {
    id: serial('id').primaryKey(),
    serverId: integer('server_id')
      .notNull()
      .references(() => mediaServers.id, { onDelete: 'cascade' }),
    startedAt: ts('started_at').notNull(),
    endedAt: ts('ended_at'),
    reason: text('reason'),
  },
  (t) => [
    uniqueIndex('server_outages_one_open').on(t.serverId).where(sql`${t.endedAt} is null`),
    index('server_outages_started_idx').on(t.startedAt),
  ],
);

/**
 * What the bot can do on each server (src/decide/capabilities.ts): one row per server and capability once it was
 * observed; no row means not known yet. Written only when the state, its reason or its fix changes.
 */
export const serverCapabilities = pgTable(
  'server_capabilities',
  {
    serverId: integer('server_id')
      .notNull()
      .references(() => mediaServers.id, { onDelete: 'cascade' }),
    capability: text('capability').notNull(),
    state: text('state', { enum: ['works', 'failed', 'unknown'] }).notNull(),
    since: ts('since'),
    reason: text('reason'),
    fix: text('fix'),
    lostAlerted: boolean('lost_alerted').notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.serverId, t.capability] })],
);

// ─── Exemptions and boosts ──────────────────────────────────────────────────────────────────────

/**
 * Devices whose streams never count against the member's cap and are never stopped (the family TV). Matched by the
 * device's identifier only (`ActiveStream.deviceId`), never by its display name, which a member can set to anything.
 */
export const deviceExemptions = pgTable(
  'device_exemptions',
  {
    id: serial('id').primaryKey(),
    memberId: integer('member_id')
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    deviceId: text('device_id').notNull(),
    /** The device's display name when it was exempted (for lists only, never matched). */
    deviceName: text('device_name').notNull(),
    /** The address the device was seen on when exempted: the exemption holds on that network only (null: any). */
    ipAddress: text('ip_address'),
    note: text('note'),
    addedBy: text('added_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('device_exemptions_member_device_unique').on(t.memberId, t.deviceId)],
);

/**
 * Temporary raises of a member's stream cap and weekly allotment. A boost applies while `starts_at <= now <
 * ends_at` and it was not ended early (`ended_early_at`); nothing runs at its end. A new boost ends the current one
 * early, so at most one applies (and the newest wins if two ever overlap).
 */
export const boosts = pgTable(
  'boosts',
  {
    id: serial('id').primaryKey(),
    memberId: integer('member_id')
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    extraStreams: integer('extra_streams').notNull().default(0),
    extraDownloads: integer('extra_downloads').notNull().default(0),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at').notNull(),
    addedBy: text('added_by').notNull(),
    endedEarlyAt: ts('ended_early_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('boosts_member_ends_idx').on(t.memberId, t.endsAt),
    check('boosts_extras_non_negative', sql`${t.extraStreams} >= 0 and ${t.extraDownloads} >= 0`),
    check('boosts_ends_after_start', sql`${t.endsAt} > ${t.startsAt}`),
  ],
);

// ─── Enforcement state ──────────────────────────────────────────────────────────────────────────

/** A stream-cap breach episode: open while the member stays over the cap; one DM and one alert each. */
export const breachEpisodes = pgTable(
  'breach_episodes',
  {
    id: serial('id').primaryKey(),
    memberId: integer('member_id')
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    openedAt: ts('opened_at').notNull(),
    closedAt: ts('closed_at'),
    /** `serverId:sessionKey` of every session a stop was attempted on, so a failed stop is not retried forever. */
    stopAttempts: jsonb('stop_attempts').$type<string[]>().notNull().default([]),
    /**
     * The episode's state machine (src/decide/streams.ts): `open` (stops decided, notices not yet sent),
     * `enforced` (notices sent), `stop-failed` (a stop was refused or ignored), `resolved` (closed_at set).
     */
    state: text('state').$type<EpisodeState>().notNull().default('open'),
    /** The breach as decided: counted streams, the cap, the plan's name, dry run, and one line per stream. */
    count: integer('count').notNull().default(0),
    cap: integer('cap').notNull().default(0),
    planName: text('plan_name').notNull().default(''),
    dryRun: boolean('dry_run').notNull().default(false),
    lines: jsonb('lines').$type<EpisodeLine[]>().notNull().default([]),
    /** When the episode's notices were queued (once per episode); null until then. */
    notifiedAt: ts('notified_at'),
    /** In `grace`: when the plan's stop rule applies if the member is still over the cap. */
    graceUntil: ts('grace_until'),
    /** The plan's rules when the episode opened (a plan edited meanwhile does not change a running grace). */
    stopRule: text('stop_rule').$type<StopRule>().notNull().default('all'),
  },
  (t) => [
    uniqueIndex('breach_episodes_one_open').on(t.memberId).where(sql`${t.closedAt} is null`),
    check(
      'breach_episodes_state',
      sql`${t.state} in ('grace', 'open', 'enforced', 'stop-failed', 'resolved')`,
    ),
  ],
);

/**
 * Every session the bot currently sees, per server: its persisted identity and when it was first and last seen,
 * so a restart (or another instance) knows how long a stream has run, and a member's streams on servers sensed
 * by other instances can be counted. Rows of a server are replaced by each successful read of that server; a
 * steady session is not rewritten (no dead-row churn) except to refresh `last_seen_at` every 5 minutes.
 */
export const liveSessions = pgTable(
  'live_sessions',
  {
    serverId: integer('server_id')
      .notNull()
      .references(() => mediaServers.id, { onDelete: 'cascade' }),
    sessionKey: text('session_key').notNull(),
    deviceId: text('device_id'),
    accountName: text('account_name').notNull(),
    accountId: text('account_id'),
    /** The session as the adapter reported it (`ActiveStream`), for counting from another instance. */
    stream: jsonb('stream').$type<Record<string, unknown>>().notNull(),
    firstSeenAt: ts('first_seen_at').notNull(),
    lastSeenAt: ts('last_seen_at').notNull(),
    /** Since when the session has been paused without a read in between showing it playing; null when not paused. */
    pausedSince: ts('paused_since'),
  },
  (t) => [uniqueIndex('live_sessions_server_key').on(t.serverId, t.sessionKey)],
);

// ─── Sharing signals ────────────────────────────────────────────────────────────────────────────

/**
 * The places a member's streams came from, one row per member, local day and network (an IPv4 /24 or an IPv6 /48;
 * never the full address), with the city when the bundled GeoIP data knows it. Private and LAN addresses are never
 * places. Written once when a place is first seen in a day and again at most every 15 minutes while it streams
 * (`last_seen_at`); pruned after 30 days by the weekly maintenance.
 */
export const sharingPlaces = pgTable(
  'sharing_places',
  {
    memberId: integer('member_id')
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    /** The local date (in TIMEZONE). */
    day: date('day', { mode: 'string' }).notNull(),
    network: text('network').notNull(),
    /** `City, region, country` as the GeoIP data names it; null when unknown. */
    city: text('city'),
    latitude: doublePrecision('latitude'),
    longitude: doublePrecision('longitude'),
    /** The GeoIP data's accuracy radius in km. */
    accuracyKm: integer('accuracy_km'),
    /** The device of the first stream seen from this place that day. */
    device: text('device').notNull(),
    firstSeenAt: ts('first_seen_at').notNull(),
    lastSeenAt: ts('last_seen_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.memberId, t.day, t.network] }),
    index('sharing_places_last_seen').on(t.lastSeenAt),
  ],
);

export type SharingFlagKind = 'households' | 'travel';

/** One flag about a member's places, stored once per key (the admins are alerted once); never a stop. */
export const sharingFlags = pgTable(
  'sharing_flags',
  {
    id: serial('id').primaryKey(),
    /** `households:<member>:<day>` or `travel:<member>:<day>:<network>|<network>`. */
    key: text('key').notNull().unique(),
    memberId: integer('member_id')
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<SharingFlagKind>().notNull(),
    /** What was seen: the places (networks, cities, devices, times) and the figures that raised the flag. */
    evidence: jsonb('evidence').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('sharing_flags_member').on(t.memberId, t.createdAt),
    check('sharing_flags_kind', sql`${t.kind} in ('households', 'travel')`),
  ],
);

export type SharingPlaceRow = typeof sharingPlaces.$inferSelect;
export type SharingFlagRow = typeof sharingFlags.$inferSelect;

export type LinkedBy = 'admin' | 'member';
export type LinkRequestState = 'pending' | 'approved' | 'refused' | 'replaced';
export type EpisodeState = 'grace' | 'open' | 'enforced' | 'stop-failed' | 'resolved';
export type StopRule = 'all' | 'newest';
export type CountBy = 'streams' | 'locations';
export type PausedAction = 'stop' | 'uncount';
/** What a plan does with streams from the server's home networks: count them, or leave them free. */
export type HomeStreams = 'count' | 'free';
export type TranscodeRule = 'allow' | 'no-4k' | 'none';
export type OverQuotaAction = 'warn' | 'switch-off' | 'cancel';

/** One of the member's streams when the breach was decided, and what the bot does about it. */
export interface EpisodeLine {
  serverId: number;
  sessionKey: string;
  server: string;
  device: string;
  /** Who played it when the line was written (absent on lines from older versions): a "Stop this one" click
   *  stops the session only while it still belongs to this device and account (Jellyfin and Emby reuse ids). */
  deviceId?: string | null;
  accountId?: string | null;
  accountName?: string;
  ipAddress: string | null;
  title: string | null;
  state: string;
  startedAt: string | null;
  /**
   * `stop`: a stop effect carries it out (its outcome is read from the outbox); otherwise what was done, as a code
   * of `policy/stop-words.ts` with its reason (lines written by older versions hold English words in `text`).
   */
  action: { kind: 'stop' } | { kind: 'fixed'; code?: string; reason?: string; text?: string };
}

/**
 * Sessions the bot stopped successfully. Plex keeps listing a terminated session for a while (Tracearr #314/#357);
 * such a session is not counted again until the server no longer lists it as playing, then its row is deleted.
 * Kept in the database so a restart between the stop and the server forgetting the session changes nothing.
 */
export const stoppedSessions = pgTable(
  'stopped_sessions',
  {
    id: serial('id').primaryKey(),
    serverId: integer('server_id')
      .notNull()
      .references(() => mediaServers.id, { onDelete: 'cascade' }),
    /** `ActiveStream.key` (Plex sessionKey, Jellyfin/Emby session Id). */
    sessionKey: text('session_key').notNull(),
    memberId: integer('member_id').references(() => members.id, { onDelete: 'cascade' }),
    stoppedAt: ts('stopped_at').notNull(),
  },
  (t) => [uniqueIndex('stopped_sessions_server_key_unique').on(t.serverId, t.sessionKey)],
);

export const switchStateEnum = pgEnum('download_switch_state', [
  'disabled',
  'disable-failed',
  'enable-failed',
]);

/**
 * Downloads the bot switched off for a member on one server. The row lives until downloads are switched back on
 * (then it is deleted), so a switch-back that keeps failing is never forgotten.
 */
export const downloadSwitches = pgTable(
  'download_switches',
  {
    id: serial('id').primaryKey(),
    memberId: integer('member_id')
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    serverId: integer('server_id')
      .notNull()
      .references(() => mediaServers.id, { onDelete: 'cascade' }),
    accountName: text('account_name').notNull(),
    accountId: text('account_id'),
    state: switchStateEnum('state').notNull(),
    weekKey: text('week_key').notNull(),
    until: ts('until').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('download_switches_member_server_unique').on(t.memberId, t.serverId)],
);

/**
 * A Jellyfin Quick Connect sign-in (`/link`) not settled yet. Jellyfin creates the member's session when they
 * approve the code, whether or not the bot collects it, so the row is written before the code is shown and removed
 * only once the request is known to be gone unapproved or its session was collected and logged out
 * (src/services/pending-sign-ins.ts settles the rest at start-up and after the bot stops waiting).
 */
export const pendingSignIns = pgTable(
  'pending_sign_ins',
  {
    id: serial('id').primaryKey(),
    serverId: integer('server_id')
      .notNull()
      .references(() => mediaServers.id, { onDelete: 'cascade' }),
    memberDiscordId: text('member_discord_id').notNull(),
    /** The Quick Connect secret, AES-256-GCM like server tokens (src/secrets.ts): it collects the session. */
    secretEncrypted: text('secret_encrypted').notNull(),
    /** The device the sign-in was made as: the one a member must remove when its session could not be ended. */
    deviceId: text('device_id').notNull(),
    deviceName: text('device_name').notNull(),
    /** When the bot stops waiting for the member (the code's lifetime). */
    deadline: ts('deadline').notNull(),
    /** The last time the server still knew the request (unapproved): an approval after it is unseen. */
    lastAliveAt: ts('last_alive_at').notNull(),
    nextCheckAt: ts('next_check_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('pending_sign_ins_next_check_idx').on(t.nextCheckAt)],
);

// ─── Durable effects and instances ──────────────────────────────────────────────────────────────

export const outboxStateEnum = pgEnum('outbox_state', ['pending', 'running', 'done', 'failed']);

/**
 * Every effect the engine decided on (stop a stream, send a DM or an alert, switch downloads), written in the same
 * transaction as the decision and carried out by the outbox worker (src/act/outbox.ts): at least once, and
 * idempotent through `key`, so a crash neither loses nor repeats an effect.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** One row per effect, ever: e.g. `dm:episode:12`. Also the seed of the Discord message nonce. */
    key: text('key').notNull(),
    kind: text('kind').notNull(),
    /** Effects of one group (one breach episode, one weekly notice) run one after another, in id order. */
    groupKey: text('group_key'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    state: outboxStateEnum('state').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** When it was first claimed: a Discord message retried later than its nonce is trusted looks for its copy. */
    firstAttemptAt: ts('first_attempt_at'),
    dueAt: ts('due_at').notNull(),
    /** The instance carrying it out, and until when its claim holds (a crashed instance's claims expire). */
    lockedBy: text('locked_by'),
    lockedUntil: ts('locked_until'),
    /** What the executor returned (a message id, a stop outcome), for later effects to build on. */
    result: jsonb('result').$type<Record<string, unknown>>(),
    lastError: text('last_error'),
    createdAt: createdAt(),
    doneAt: ts('done_at'),
  },
  (t) => [
    uniqueIndex('outbox_key_unique').on(t.key),
    index('outbox_due_idx').on(t.dueAt).where(sql`${t.state} in ('pending', 'running')`),
  ],
);

/** Named leases between bot instances on one PostgreSQL (who holds the gateway, who senses which server). */
export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: ts('expires_at').notNull(),
});

/** Every change an admin made through Discord, with before and after. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    actorDiscordId: text('actor_discord_id').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    createdAt: createdAt(),
  },
  (t) => [index('audit_log_created_idx').on(t.createdAt)],
);

export type Settings = typeof settings.$inferSelect;
export type Plan = typeof plans.$inferSelect;
export type NewPlan = typeof plans.$inferInsert;
export type Member = typeof members.$inferSelect;
export type RolePlan = typeof rolePlans.$inferSelect;
export type MediaServerRow = typeof mediaServers.$inferSelect;
export type NewMediaServerRow = typeof mediaServers.$inferInsert;
export type MediaAccountRow = typeof mediaAccounts.$inferSelect;
export type LinkRequest = typeof linkRequests.$inferSelect;
export type DownloadRow = typeof downloads.$inferSelect;
export type BreachEpisode = typeof breachEpisodes.$inferSelect;
export type StoppedSession = typeof stoppedSessions.$inferSelect;
export type DownloadSwitch = typeof downloadSwitches.$inferSelect;
export type AuditEntry = typeof auditLog.$inferSelect;
export type ServerOutage = typeof serverOutages.$inferSelect;
export type ServerCapabilityRow = typeof serverCapabilities.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type LiveSession = typeof liveSessions.$inferSelect;
export type DeviceExemption = typeof deviceExemptions.$inferSelect;
export type Boost = typeof boosts.$inferSelect;
export type PendingSignIn = typeof pendingSignIns.$inferSelect;
