// The SMTP repository: the only module that talks to a mail server.
// Contract: every error it throws is safe to log. It never carries the SMTP password
// nor the user:pass part of the URL (nodemailer errors can echo the connection settings).
import { createTransport } from 'nodemailer';
import { redact, registerSecret } from '../redact.ts';

export interface EmailMessage {
  to: string;
  subject: string;
  /** Plain text body; no HTML part is ever sent. */
  text: string;
}

export interface Mailer {
  /** Resolves once the server accepted the message; rejects with a credential-free error otherwise. */
  send(message: EmailMessage): Promise<void>;
  /** Connects and authenticates without sending; rejects with a credential-free error on failure. */
  verify(): Promise<void>;
  close(): void;
}

export const SMTP_TIMEOUT_MS = 10_000;

/** True for smtp: or smtps: URLs that name a host. */
export function isValidSmtpUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (parsed.protocol === 'smtp:' || parsed.protocol === 'smtps:') && parsed.hostname !== '';
}

/**
 * @param smtpUrl like smtp://user:pass@host:587 or smtps://user:pass@host:465
 * @param from like 'Streamwarden <bot@example.org>'
 */
export function createMailer(smtpUrl: string, from: string, options: { timeoutMs?: number } = {}): Mailer {
  // The URL itself is never echoed: it holds the password.
  if (!isValidSmtpUrl(smtpUrl))
    throw new Error('Invalid SMTP URL: expected smtp://… or smtps://… with a host');
  const password = new URL(smtpUrl).password;
  const passwordForms = password ? [...new Set([password, safeDecode(password)])] : [];
  for (const form of passwordForms) registerSecret(form);

  const timeoutMs = options.timeoutMs ?? SMTP_TIMEOUT_MS;
  const transport = createTransport({
    url: smtpUrl,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
  });

  const describe = (err: unknown): string => describeSmtpError(err, passwordForms);

  return {
    async send(message) {
      try {
        await transport.sendMail({
          from,
          to: withoutLineBreaks(message.to),
          subject: withoutLineBreaks(message.subject),
          text: message.text,
        });
      } catch (err) {
        throw new Error(`Email could not be sent: ${describe(err)}`);
      }
    },
    async verify() {
      try {
        await transport.verify();
      } catch (err) {
        throw new Error(`Email server check failed: ${describe(err)}`);
      }
    },
    close() {
      transport.close();
    },
  };
}

/** Header values must not carry CR/LF (header injection); runs of line breaks become one space. */
export function withoutLineBreaks(value: string): string {
  return value.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** "EAUTH 535: Invalid login: 535 …", with credentials masked. */
function describeSmtpError(err: unknown, passwordForms: readonly string[]): string {
  const { code, responseCode, message } = errorParts(err);
  const prefix = [code, responseCode].filter((part) => part !== undefined).join(' ');
  let reason = prefix ? `${prefix}: ${message}` : message;
  // registerSecret ignores short strings, so mask this mailer's own password here as well.
  for (const form of passwordForms) reason = reason.split(form).join('[redacted]');
  return redact(reason).replace(/(\/\/)[^/@\s]*@/g, '$1[redacted]@');
}

function errorParts(err: unknown): { code?: string; responseCode?: number; message: string } {
  if (!(err instanceof Error)) return { message: String(err) };
  const fields = err as Error & { code?: unknown; responseCode?: unknown };
  return {
    code: typeof fields.code === 'string' ? fields.code : undefined,
    responseCode: typeof fields.responseCode === 'number' ? fields.responseCode : undefined,
    message: err.message,
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
