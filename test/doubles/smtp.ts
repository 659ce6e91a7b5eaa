// Loopback SMTP test double built on smtp-server (no TLS, AUTH over plain text).
// mailparser is not installable here, so the few MIME encodings nodemailer produces for a
// single-part plain text message (RFC 2047 headers, quoted-printable / base64 / 7bit bodies)
// are decoded below, just enough for tests to assert on readable text.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedEmail {
  /** Envelope sender (MAIL FROM). */
  from: string;
  /** Envelope recipients (RCPT TO) that were accepted. */
  to: string[];
  /** Decoded Subject header. */
  subject: string;
  /** Decoded text body, with CRLF turned into LF and the trailing newline removed. */
  text: string;
  /** The message exactly as received, headers included. */
  raw: string;
}

export interface SmtpDouble {
  /** smtp://user:pass@127.0.0.1:PORT (no credentials when none were configured). */
  url: string;
  port: number;
  messages: ReceivedEmail[];
  /** Resolves with the first `n` messages once they have arrived; rejects after `timeoutMs`. */
  waitForMessages(n: number, timeoutMs?: number): Promise<ReceivedEmail[]>;
  stop(): Promise<void>;
}

export interface SmtpDoubleOptions {
  user?: string;
  pass?: string;
  /** Recipients answered with 550 at RCPT TO (compared case-insensitively). */
  rejectRecipients?: string[];
}

export async function startSmtpDouble(opts: SmtpDoubleOptions = {}): Promise<SmtpDouble> {
  const messages: ReceivedEmail[] = [];
  const waiters = new Set<() => void>();
  const rejected = new Set((opts.rejectRecipients ?? []).map((address) => address.toLowerCase()));
  const requireAuth = opts.user !== undefined;

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: !requireAuth,
    logger: false,
    closeTimeout: 200,
    onAuth(auth, _session, callback) {
      if (auth.username === opts.user && auth.password === (opts.pass ?? '')) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
      }
    },
    onRcptTo(address, _session, callback) {
      if (rejected.has(address.address.toLowerCase())) {
        callback(Object.assign(new Error(`Mailbox unavailable: ${address.address}`), { responseCode: 550 }));
      } else {
        callback();
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mailFrom = session.envelope.mailFrom;
        messages.push({
          from: mailFrom ? mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          ...parseMessage(raw),
          raw,
        });
        for (const wake of waiters) wake();
        callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  const credentials = requireAuth
    ? `${encodeURIComponent(opts.user ?? '')}:${encodeURIComponent(opts.pass ?? '')}@`
    : '';

  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    port,
    messages,
    waitForMessages(n, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (messages.length < n) return;
          cleanup();
          resolve(messages.slice(0, n));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`SMTP double: expected ${n} message(s), got ${messages.length} in ${timeoutMs} ms`),
          );
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    stop() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------
// Minimal MIME decoding (single-part text messages only)
// ---------------------------------------------------------------------------

function parseMessage(raw: string): { subject: string; text: string } {
  const normalized = raw.replace(/\r\n/g, '\n');
  const split = normalized.indexOf('\n\n');
  const head = split === -1 ? normalized : normalized.slice(0, split);
  const body = split === -1 ? '' : normalized.slice(split + 2);
  const headers = parseHeaders(head);
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const text = decodeBody(body, encoding).replace(/\r\n/g, '\n').replace(/\n$/, '');
  return { subject: decodeHeaderValue(headers.get('subject') ?? ''), text };
}

/** Header names lower-cased; folded lines unfolded; the first occurrence wins. */
function parseHeaders(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

function decodeBody(body: string, encoding: string): string {
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body).toString('utf8');
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

function decodeQuotedPrintable(input: string): Buffer {
  const text = input.replace(/[ \t]+$/gm, '').replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

const ENCODED_WORD = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;

/**
 * RFC 2047: decodes =?charset?Q?…?= and =?charset?B?…?= words. Whitespace between adjacent
 * encoded words is dropped, and their bytes are joined before decoding, since an encoder may
 * split a multi-byte character across two words.
 */
export function decodeHeaderValue(value: string): string {
  let out = '';
  let pending: Buffer[] = [];
  let last = 0;
  const flush = (): void => {
    if (pending.length > 0) out += Buffer.concat(pending).toString('utf8');
    pending = [];
  };
  for (const match of value.matchAll(ENCODED_WORD)) {
    const between = value.slice(last, match.index);
    if (pending.length === 0 || between.trim() !== '') {
      flush();
      out += between;
    }
    const [, , kind = 'Q', data = ''] = match;
    pending.push(
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
    last = match.index + match[0].length;
  }
  flush();
  return out + value.slice(last);
}
