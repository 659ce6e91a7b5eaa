import { eq } from 'drizzle-orm';
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import { templates } from '../db/schema.ts';
import { type Language, type Translate, translator } from '../i18n/index.ts';
import { quoted } from '../notify/format.ts';
import {
  DEFAULT_TEMPLATES,
  isTemplateName,
  TEMPLATE_NAMES,
  TEMPLATE_PLACEHOLDERS,
  type TemplateName,
  validateTemplate,
} from '../policy/templates.ts';
import { UserError } from '../user-error.ts';

export function requireTemplateName(raw: string): TemplateName {
  const name = raw.trim().toLowerCase();
  if (!isTemplateName(name)) {
    throw new UserError(`There is no template ${quoted(raw)}. Templates: ${TEMPLATE_NAMES.join(', ')}.`);
  }
  return name;
}

/** The effective text of every template: the owner's version where there is one, else the default. */
export async function loadTemplates(
  db: Db,
): Promise<Record<TemplateName, { text: string; custom: boolean }>> {
  const rows = await db.select().from(templates);
  const custom = new Map(rows.map((r) => [r.name, r.text]));
  return Object.fromEntries(
    TEMPLATE_NAMES.map((n) => [n, { text: custom.get(n) ?? DEFAULT_TEMPLATES[n], custom: custom.has(n) }]),
  ) as Record<TemplateName, { text: string; custom: boolean }>;
}

/** The member-facing templates whose default text is shipped in every language (locales/<lang>/notices.json). */
const DEFAULT_IN: Record<'stream-dm' | 'warning', (t: Translate) => string> = {
  'stream-dm': (t) => t('notices.templates.stream-dm'),
  warning: (t) => t('notices.templates.warning'),
};

/**
 * A template's text for a member who reads `lang`: an owner's own text is used for everyone (one text for all
 * languages), the default comes in the member's language.
 */
export function templateIn(
  loaded: { text: string; custom: boolean },
  name: keyof typeof DEFAULT_IN,
  lang: Language,
): string {
  if (loaded.custom || lang === 'en') return loaded.text;
  return DEFAULT_IN[name](translator(lang));
}

export async function setTemplate(
  db: Db,
  actor: string,
  rawName: string,
  text: string,
): Promise<TemplateName> {
  const name = requireTemplateName(rawName);
  // Discord slash-command strings are one line; "\n" typed by the admin becomes a line break.
  const normalised = text.replace(/\\n/g, '\n').trim();
  const check = validateTemplate(name, normalised);
  if (!check.ok) throw new UserError(check.problem);
  await db.transaction(async (tx) => {
    const [before] = await tx.select().from(templates).where(eq(templates.name, name));
    await tx
      .insert(templates)
      .values({ name, text: normalised, updatedBy: actor })
      .onConflictDoUpdate({
        target: templates.name,
        set: { text: normalised, updatedBy: actor, updatedAt: new Date() },
      });
    await recordAudit(tx, {
      actor,
      action: 'template.set',
      target: `template:${name}`,
      before: before?.text ?? null,
      after: normalised,
    });
  });
  return name;
}

export async function resetTemplate(db: Db, actor: string, rawName: string): Promise<TemplateName> {
  const name = requireTemplateName(rawName);
  await db.transaction(async (tx) => {
    const deleted = await tx.delete(templates).where(eq(templates.name, name)).returning();
    if (deleted.length === 0) throw new UserError(`“${name}” already uses the default text.`);
    await recordAudit(tx, {
      actor,
      action: 'template.reset',
      target: `template:${name}`,
      before: deleted[0]?.text,
    });
  });
  return name;
}

/** Sample values for /template preview. */
export function sampleValues(name: TemplateName): Record<string, string | number> {
  const all: Record<string, string | number> = {
    member: 'Alex',
    plan: 'Family',
    cap: 2,
    allotment: 2,
    count: 3,
    streams: '• Living room (Plex): The Expanse S01E02\n• Phone (Jellyfin): Arrival\n• Laptop (Emby): Dune',
    resets: 'in 3 days',
    disabled: 'Downloads are switched off until then.',
    server: 'Main Plex',
    reason: 'no answer within 10 s',
  };
  const values = Object.fromEntries(TEMPLATE_PLACEHOLDERS[name].map((p) => [p, all[p] ?? '']));
  // As in the alert itself: its streams are listed in their own field, so a {streams} saved earlier stays empty.
  return name === 'stream-alert' ? { ...values, streams: '' } : values;
}
