// Structured logging (pino). Secrets are removed by the logger itself, not by callers remembering to:
//  - pino's `redact` masks every key that holds a secret (tokens, auth headers, passwords, the encryption key,
//    URLs with a password), at any depth up to REDACT_DEPTH;
//  - every string that reaches a log line (messages, values at any depth, error messages and stacks) goes through
//    the redactor of src/redact.ts, which masks registered secrets and token-looking query parameters and headers.
import { type DestinationStream, pino } from 'pino';
import { redact } from './redact.ts';

export type Logger = pino.Logger;

/** Keys whose whole value is a secret. Header names are matched in the spellings clients send. */
const SECRET_KEYS = [
  'token',
  'accessToken',
  'authToken',
  'apiKey',
  'api_key',
  'discordToken',
  'tokenEncrypted',
  'password',
  'pass',
  'secret',
  'encryptionKey',
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'X-Plex-Token',
  'x-plex-token',
  'X-Emby-Token',
  'x-emby-token',
  'X-MediaBrowser-Token',
  'x-mediabrowser-token',
  'X-Emby-Authorization',
  'x-emby-authorization',
  'DISCORD_TOKEN',
  'ENCRYPTION_KEY',
];
/** Keys that hold a URL which may carry a password (postgres://user:pass@…, smtp://user:pass@…). */
const URL_KEYS = ['databaseUrl', 'smtpUrl', 'DATABASE_URL', 'SMTP_URL'];
/** pino's redact paths have no "any depth" wildcard, so each key is listed at depths 0 … REDACT_DEPTH. */
const REDACT_DEPTH = 5;

const segment = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`);
export const REDACT_PATHS = [...SECRET_KEYS, ...URL_KEYS].flatMap((k) =>
  Array.from({ length: REDACT_DEPTH + 1 }, (_, depth) =>
    [...Array<string>(depth).fill('*'), segment(k)].join('.').replace(/\.\[/g, '['),
  ),
);

/** A URL keeps its host (useful in logs) but loses its password; any other secret value is replaced. */
function censor(value: unknown, path: string[]): string {
  const last = path[path.length - 1] ?? '';
  if (URL_KEYS.includes(last) && typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.password) url.password = 'redacted';
      return redact(url.toString());
    } catch {
      return '[redacted]';
    }
  }
  return '[redacted]';
}

/** Runs every string at any depth through the redactor. Errors are left to the `err` serializer. */
function redactDeep(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redact(value);
  if (typeof value !== 'object' || value === null || value instanceof Error || value instanceof Date)
    return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return redactDeep(json.call(value), seen);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, seen);
  return out;
}

function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return redactDeep(err);
  const e = err as Error & { kind?: string; status?: number; code?: string | number };
  return {
    type: e.name,
    message: redact(e.message),
    ...(e.kind !== undefined ? { kind: e.kind } : {}),
    ...(e.status !== undefined ? { status: e.status } : {}),
    ...(e.code !== undefined ? { code: e.code } : {}),
    stack: e.stack ? redact(e.stack) : undefined,
  };
}

/**
 * The bot's logger. JSON lines by default; 'pretty' (pino-pretty, same fields and redaction) is for people reading
 * a terminal. `destination` is for tests that read what was written.
 */
export function createLogger(
  level: string,
  { format = 'json', destination }: { format?: 'json' | 'pretty'; destination?: DestinationStream } = {},
): Logger {
  const options: pino.LoggerOptions = {
    level,
    ...(format === 'pretty' ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
    base: undefined,
    redact: { paths: REDACT_PATHS, censor },
    hooks: {
      logMethod(args, method) {
        const cleaned = args.map((a) => (typeof a === 'string' ? redact(a) : a));
        method.apply(this, cleaned as Parameters<typeof method>);
      },
    },
    formatters: { log: (object) => redactDeep(object) as Record<string, unknown> },
    serializers: { err: serializeError },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const silentLogger: Logger = pino({ level: 'silent' });
