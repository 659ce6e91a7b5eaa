// Accounts that stream and are linked to nobody: with `/enforcement unlinked alert` (the default), the admins get
// one alert per account and week while it streams, listing its devices, through the outbox (`deliverOnce`), so a
// restart or a second instance never repeats it.

import type { AppContext } from '../context.ts';
import type { Settings } from '../db/schema.ts';
import { type Language, languageOf, translator } from '../i18n/index.ts';
import { COLORS, clip, safe } from '../notify/format.ts';
import { deliverOnce } from '../notify/notice-queue.ts';
import type { NoticeMessage } from '../notify/notifier.ts';
import type { UnlinkedAccount } from '../policy/unlinked.ts';
import { weekKey } from '../policy/week.ts';

const MAX_LINES = 10;

/** The alert about one unlinked account: its server, name and what it plays on which device from where. */
export function unlinkedAlert(account: UnlinkedAccount, lang: Language = 'en'): NoticeMessage {
  const lines = account.streams.slice(0, MAX_LINES).map((s) => {
    const where = s.ipAddress ? ` · ${safe(s.ipAddress)}` : '';
    const what = s.title ? ` · “${safe(clip(s.title, 80))}”` : '';
    return `• ${safe(clip(s.device, 60))}${s.product ? ` (${safe(clip(s.product, 40))})` : ''}${where}${what}`;
  });
  if (account.streams.length > MAX_LINES) lines.push(`…and ${account.streams.length - MAX_LINES} more`);
  return {
    embeds: [
      {
        title: translator(lang)('notices.alert.unlinkedStreaming'),
        description: [
          `**${safe(clip(account.accountName, 100))}** on **${safe(account.serverName)}** is streaming and is not linked to any member, so no plan applies to it.`,
          '',
          ...lines,
          '',
          'Link it to its member with `/user link`, or see every such account with `/user unlinked`. (One alert per account and week; `/enforcement unlinked` changes this.)',
        ].join('\n'),
        color: COLORS.warn,
      },
    ],
  };
}

/** Alerts each unlinked account once this week (mode `alert` with an alerts channel); returns how many were new. */
export async function alertUnlinkedAccounts(
  ctx: AppContext,
  settings: Settings,
  accounts: readonly UnlinkedAccount[],
  now: Date,
): Promise<number> {
  if (settings.unlinkedMode !== 'alert' || !settings.alertsChannelId || accounts.length === 0) return 0;
  const week = weekKey(now, ctx.config.timezone);
  let sent = 0;
  for (const account of accounts) {
    const delivery = await deliverOnce(
      ctx,
      { kind: 'unlinked', subject: `${account.serverId}:${account.accountKey}:${week}`, channel: 'alert' },
      () => ({
        channel: 'alert',
        to: settings.alertsChannelId,
        message: unlinkedAlert(account, languageOf(settings.guildLocale)),
      }),
    );
    if (delivery) sent++;
  }
  return sent;
}
