// Environment, validated once at start-up. Nothing else in the bot reads process.env.
import { join } from 'node:path';
import { Cron } from 'croner';
import { z } from 'zod';
import { CONTAINER_MARKERS, hasContainerMarker } from './container.ts';
import { isValidTimeZone } from './policy/week.ts';
import { registerSecret } from './redact.ts';

export interface Config {
  discordToken: string;
  guildId: string;
  applicationId: string | null;
  discordApiUrl: string | null;
  databaseUrl: string | null;
  dataDir: string;
  /** From TIMEZONE, else TZ, else UTC. */
  timezone: string;
  pollSchedule: string;
  smtpUrl: string | null;
  mailFrom: string | null;
  plexTvUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Base64 32-byte key for media-server tokens; when null a key file in dataDir is used (created on first start). */
  encryptionKey: string | null;
  /** Extra seconds to wait before the re-read that confirms a breach (default 0: the fresh re-read is enough). */
  confirmDelaySeconds: number;
  /** Seconds after a stop on Jellyfin/Emby before checking that the player obeyed it. */
  verifyStopSeconds: number;
  mediaTimeoutMs: number;
  /** Port of the health and metrics listener; null (the default) serves nothing. 0 picks a free port (tests). */
  httpPort: number | null;
  httpHost: string;
  /** 'auto' is pretty when stdout is a terminal, JSON otherwise (decided in main.ts). */
  logFormat: 'json' | 'pretty' | 'auto';
  /** Open each media server's push socket and run a cycle on its events (false: polling only). */
  push: boolean;
  /** When the running bot backs up the embedded database (cron, in `timezone`); null: never (BACKUP_SCHEDULE=off). */
  backupSchedule: string | null;
  /** How many backup files to keep in backupDir (the newest). */
  backupKeep: number;
  /** Where the backups go (default DATA_DIR/backups). */
  backupDir: string;
  /** Runs in a container, where localhost is not the machine (advice when a media server there is refused). */
  inContainer: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Streamwarden cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const snowflake = /^\d{17,20}$/;
const empty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(empty, schema.optional());

function isUrl(v: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(v).protocol);
  } catch {
    return false;
  }
}

/** Every day at 04:30 in the community's time zone. */
export const DEFAULT_BACKUP_SCHEDULE = '30 4 * * *';

function isCronPattern(p: string): boolean {
  try {
    new Cron(p, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

const schema = z.object({
  DISCORD_TOKEN: optional(z.string()),
  DISCORD_GUILD_ID: optional(
    z
      .string()
      .regex(
        snowflake,
        'DISCORD_GUILD_ID must be a server id (17–20 digits; right-click the server → Copy Server ID).',
      ),
  ),
  DISCORD_APPLICATION_ID: optional(
    z.string().regex(snowflake, 'DISCORD_APPLICATION_ID must be 17–20 digits.'),
  ),
  DISCORD_API_URL: optional(
    z.string().refine((v) => isUrl(v, ['http:', 'https:']), 'DISCORD_API_URL must be an http(s) URL.'),
  ),
  DATABASE_URL: optional(
    z
      .string()
      .refine(
        (v) => isUrl(v, ['postgres:', 'postgresql:']),
        'DATABASE_URL must be a postgres:// URL (or leave it unset for the embedded database).',
      ),
  ),
  DATA_DIR: optional(z.string()),
  TIMEZONE: optional(
    z
      .string()
      .refine(
        isValidTimeZone,
        'TIMEZONE must be an IANA time zone such as Europe/Paris or America/New_York.',
      ),
  ),
  POLL_SCHEDULE: optional(
    z
      .string()
      .refine(
        isCronPattern,
        'POLL_SCHEDULE must be a cron pattern with 5 fields (or 6 with seconds), e.g. "*/5 * * * *".',
      ),
  ),
  SMTP_URL: optional(
    z
      .string()
      .refine((v) => isUrl(v, ['smtp:', 'smtps:']), 'SMTP_URL must look like smtp://user:pass@host:587.'),
  ),
  MAIL_FROM: optional(z.string()),
  PLEX_TV_URL: optional(
    z.string().refine((v) => isUrl(v, ['http:', 'https:']), 'PLEX_TV_URL must be an http(s) URL.'),
  ),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  ENCRYPTION_KEY: optional(
    z
      .string()
      .refine(
        (v) => Buffer.from(v, 'base64').length === 32,
        'ENCRYPTION_KEY must be 32 bytes in base64 (create one with: openssl rand -base64 32).',
      ),
  ),
  CONFIRM_DELAY_SECONDS: optional(z.coerce.number().int().min(0).max(120)),
  VERIFY_STOP_SECONDS: optional(z.coerce.number().int().min(0).max(120)),
  MEDIA_TIMEOUT_SECONDS: optional(z.coerce.number().int().min(1).max(120)),
  HTTP_PORT: optional(
    z.coerce
      .number({ message: 'HTTP_PORT must be a port number (1–65535), e.g. 7566.' })
      .int('HTTP_PORT must be a port number (1–65535), e.g. 7566.')
      .min(1, 'HTTP_PORT must be a port number (1–65535), e.g. 7566.')
      .max(65535, 'HTTP_PORT must be a port number (1–65535), e.g. 7566.'),
  ),
  HTTP_HOST: optional(z.string()),
  LOG_FORMAT: optional(
    z.enum(['json', 'pretty'], {
      message: 'LOG_FORMAT must be json or pretty (or unset: pretty on a terminal).',
    }),
  ),
  PUSH: optional(
    z.enum(['on', 'off'], { message: 'PUSH must be on or off (off: poll on the schedule only).' }),
  ),
  BACKUP_SCHEDULE: optional(
    z
      .string()
      .refine(
        (v) => v === 'off' || isCronPattern(v),
        'BACKUP_SCHEDULE must be a cron pattern such as "30 4 * * *" (every day at 04:30), or off.',
      ),
  ),
  BACKUP_KEEP: optional(
    z.coerce
      .number({ message: 'BACKUP_KEEP must be a whole number of backups to keep (1–1000), e.g. 7.' })
      .int('BACKUP_KEEP must be a whole number of backups to keep (1–1000), e.g. 7.')
      .min(1, 'BACKUP_KEEP must be a whole number of backups to keep (1–1000), e.g. 7.')
      .max(1000, 'BACKUP_KEEP must be a whole number of backups to keep (1–1000), e.g. 7.'),
  ),
  BACKUP_DIR: optional(z.string()),
});

/** Just the storage part of the environment, for the database tools (backup, restore, copy, rotate-key). */
export function loadStorageConfig(
  env: NodeJS.ProcessEnv = process.env,
): Pick<Config, 'databaseUrl' | 'dataDir' | 'encryptionKey'> {
  const parsed = schema.pick({ DATABASE_URL: true, DATA_DIR: true, ENCRYPTION_KEY: true }).safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message));
  if (parsed.data.DATABASE_URL) registerSecret(new URL(parsed.data.DATABASE_URL).password);
  registerSecret(parsed.data.ENCRYPTION_KEY);
  return {
    databaseUrl: parsed.data.DATABASE_URL ?? null,
    dataDir: parsed.data.DATA_DIR ?? './data',
    encryptionKey: parsed.data.ENCRYPTION_KEY ?? null,
  };
}

/**
 * Validates the environment; throws a ConfigError listing every problem (never echoing a secret's value).
 * `containerMarkers`: the files that say the bot runs in a container (tests pass none).
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  containerMarkers: readonly string[] = CONTAINER_MARKERS,
): Config {
  const parsed = schema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      const message = issue.message.startsWith(key) ? issue.message : `${key}: ${issue.message}`;
      problems.push(message);
    }
  }
  const isSet = (key: string) => (env[key] ?? '').trim() !== '';
  if (!isSet('DISCORD_TOKEN')) {
    problems.unshift(
      'DISCORD_TOKEN is not set: set it to your bot token (Discord developer portal → your application → Bot → Reset Token).',
    );
  }
  if (!isSet('DISCORD_GUILD_ID')) {
    problems.push(
      'DISCORD_GUILD_ID is not set: set it to your community server id (enable Developer Mode, right-click the server → Copy Server ID).',
    );
  }
  if (isSet('SMTP_URL') && !isSet('MAIL_FROM')) {
    problems.push('MAIL_FROM must be set when SMTP_URL is (e.g. "Streamwarden <bot@example.org>").');
  }
  // TZ is the name container images take (POSIX allows a leading colon). TIMEZONE, the older name, wins when both
  // are set, and then TZ is not checked (it may hold a POSIX rule meant for other programs).
  const zoneFromTz = isSet('TIMEZONE') || !isSet('TZ') ? undefined : (env.TZ ?? '').trim().replace(/^:/, '');
  if (zoneFromTz !== undefined && !isValidTimeZone(zoneFromTz)) {
    problems.push('TZ must be an IANA time zone such as Europe/Paris or America/New_York.');
  }
  const e = parsed.success ? parsed.data : undefined;
  if (problems.length > 0 || !e) throw new ConfigError(problems);
  registerSecret(e.DISCORD_TOKEN);
  registerSecret(e.ENCRYPTION_KEY);
  if (e.DATABASE_URL) registerSecret(new URL(e.DATABASE_URL).password);
  if (e.SMTP_URL) registerSecret(decodeURIComponent(new URL(e.SMTP_URL).password));
  return {
    discordToken: e.DISCORD_TOKEN as string,
    guildId: e.DISCORD_GUILD_ID as string,
    applicationId: e.DISCORD_APPLICATION_ID ?? null,
    discordApiUrl: e.DISCORD_API_URL ?? null,
    databaseUrl: e.DATABASE_URL ?? null,
    dataDir: e.DATA_DIR ?? './data',
    timezone: e.TIMEZONE ?? zoneFromTz ?? 'UTC',
    pollSchedule: e.POLL_SCHEDULE ?? '*/5 * * * *',
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM ?? null,
    plexTvUrl: e.PLEX_TV_URL ?? 'https://plex.tv',
    logLevel: e.LOG_LEVEL ?? 'info',
    encryptionKey: e.ENCRYPTION_KEY ?? null,
    confirmDelaySeconds: e.CONFIRM_DELAY_SECONDS ?? 0,
    verifyStopSeconds: e.VERIFY_STOP_SECONDS ?? 5,
    mediaTimeoutMs: (e.MEDIA_TIMEOUT_SECONDS ?? 10) * 1000,
    httpPort: e.HTTP_PORT ?? null,
    httpHost: e.HTTP_HOST ?? '127.0.0.1',
    logFormat: e.LOG_FORMAT ?? 'auto',
    push: (e.PUSH ?? 'on') === 'on',
    backupSchedule:
      (e.BACKUP_SCHEDULE ?? DEFAULT_BACKUP_SCHEDULE) === 'off'
        ? null
        : (e.BACKUP_SCHEDULE ?? DEFAULT_BACKUP_SCHEDULE),
    backupKeep: e.BACKUP_KEEP ?? 7,
    backupDir: e.BACKUP_DIR ?? join(e.DATA_DIR ?? './data', 'backups'),
    // Set by the image; not an owner's setting.
    inContainer:
      (isSet('STREAMWARDEN_CONTAINER') && env.STREAMWARDEN_CONTAINER !== '0') ||
      hasContainerMarker(containerMarkers),
  };
}
