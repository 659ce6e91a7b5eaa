// Guild command registration: at start-up only when the definitions changed (hash stored in settings), or forced.
import { createHash } from 'node:crypto';
import { type REST, Routes } from 'discord.js';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { settings } from '../db/schema.ts';
import type { Command } from './command.ts';

export function commandDefinitions(commands: readonly Command[]) {
  return commands.map((c) => c.data.toJSON());
}

export async function deployCommands(options: {
  rest: REST;
  db: Db;
  applicationId: string;
  guildId: string;
  commands: readonly Command[];
  force?: boolean;
}): Promise<'registered' | 'unchanged'> {
  const body = commandDefinitions(options.commands);
  const hash = createHash('sha256')
    .update(JSON.stringify({ guild: options.guildId, app: options.applicationId, body }))
    .digest('hex');
  const [row] = await options.db
    .select({ hash: settings.commandsHash })
    .from(settings)
    .where(eq(settings.id, 1));
  if (!options.force && row?.hash === hash) return 'unchanged';
  await options.rest.put(Routes.applicationGuildCommands(options.applicationId, options.guildId), { body });
  await options.db.update(settings).set({ commandsHash: hash }).where(eq(settings.id, 1));
  return 'registered';
}
