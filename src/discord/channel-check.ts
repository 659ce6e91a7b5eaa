// Before a channel is set for alerts or the weekly report: the bot checks it may view, post, embed and attach files
// there, and posts a short test message, so a channel it can't use is refused at once instead of failing quietly
// at the first alert. Nothing is changed when the channel is refused.
import { DiscordAPIError, type REST, Routes } from 'discord.js';
import { UserError } from '../user-error.ts';
import { botChannelPermissions } from './channel-visibility.ts';
import { missingChannelPermissions } from './permissions.ts';

const listed = (names: string[]) =>
  names.length === 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;

/** Refuses (UserError) a channel the bot lacks a permission in, naming them; then posts `testMessage` there. */
export async function checkAndGreetChannel(options: {
  rest: REST;
  guildId: string;
  channelId: string;
  botUserId: string;
  testMessage: string;
}): Promise<void> {
  const { rest, channelId } = options;
  // When the permissions can't be read, the test message decides.
  const granted = await botChannelPermissions(rest, options.guildId, channelId, options.botUserId).catch(
    () => null,
  );
  const missing = granted === null ? [] : missingChannelPermissions(granted);
  if (missing.length > 0)
    throw new UserError(
      `Streamwarden can’t use <#${channelId}>: it lacks ${listed(missing)} there. In the channel’s settings (Edit Channel → Permissions), allow them for the bot’s role, then run the command again. Nothing was changed.`,
    );
  try {
    await rest.post(Routes.channelMessages(channelId), {
      body: { content: options.testMessage, allowed_mentions: { parse: [] } },
    });
  } catch (err) {
    const why =
      err instanceof DiscordAPIError ? `Discord answered “${err.message}”` : 'Discord did not answer';
    throw new UserError(
      `Streamwarden couldn’t post a test message in <#${channelId}> (${why}). Check that the bot can view and post there, then run the command again. Nothing was changed.`,
    );
  }
}
