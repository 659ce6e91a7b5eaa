import type { NoticeMessage } from './notifier.ts';

/** A notice's stored form: the message as JSON (attachments base64), so a retry sends exactly the same thing. */
export interface NoticePayload {
  channel: 'dm' | 'alert' | 'email';
  to: string | null;
  message?: {
    content?: string;
    embeds: unknown[];
    files?: Array<{ name: string; base64: string }>;
    components?: unknown[];
  };
  subject?: string;
  text?: string;
  [key: string]: unknown;
}

export const toJsonMessage = (m: NoticeMessage): NonNullable<NoticePayload['message']> => ({
  ...(m.content !== undefined ? { content: m.content } : {}),
  embeds: m.embeds,
  ...(m.components ? { components: m.components } : {}),
  ...(m.files
    ? { files: m.files.map((f) => ({ name: f.name, base64: f.attachment.toString('base64') })) }
    : {}),
});

export const fromJsonMessage = (m: NonNullable<NoticePayload['message']>): NoticeMessage => ({
  ...(m.content !== undefined ? { content: m.content } : {}),
  embeds: m.embeds as NoticeMessage['embeds'],
  ...(m.components ? { components: m.components as NoticeMessage['components'] } : {}),
  ...(m.files
    ? { files: m.files.map((f) => ({ name: f.name, attachment: Buffer.from(f.base64, 'base64') })) }
    : {}),
});
