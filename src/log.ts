// Structured logging (pino). Every string that reaches a log line passes through the redactor.
import { pino } from 'pino';
import { redact } from './redact.ts';

export type Logger = pino.Logger;

/** JSON lines by default; 'pretty' (pino-pretty, same fields and redaction) is for people reading a terminal. */
export function createLogger(level: string, format: 'json' | 'pretty' = 'json'): Logger {
  return pino({
    level,
    ...(format === 'pretty' ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
    base: undefined,
    hooks: {
      logMethod(args, method) {
        const cleaned = args.map((a) => (typeof a === 'string' ? redact(a) : a));
        method.apply(this, cleaned as Parameters<typeof method>);
      },
    },
    serializers: {
      err: (err: Error) => ({
        type: err.name,
        message: redact(err.message),
        stack: err.stack ? redact(err.stack) : undefined,
      }),
    },
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
