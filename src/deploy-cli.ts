// `npm run commands:deploy`: registers the guild slash commands now, whether or not they changed.
import { existsSync } from 'node:fs';
import { REST, Routes } from 'discord.js';
import { commands } from '../commands/index.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { deployCommands } from './discord/deploy.ts';
import { redact } from './redact.ts';

if (existsSync('.env')) process.loadEnvFile('.env');

try {
  const config = loadConfig();
  const rest = new REST(config.discordApiUrl ? { api: config.discordApiUrl } : {}).setToken(
    config.discordToken,
  );
  const applicationId =
    config.applicationId ?? ((await rest.get(Routes.currentApplication())) as { id: string }).id;
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await deployCommands({
      rest,
      db: database.db,
      applicationId,
      guildId: config.guildId,
      commands,
      force: true,
    });
  } finally {
    await database.close();
  }
  console.log(`Registered ${commands.length} slash commands in server ${config.guildId}.`);
} catch (err) {
  console.error(
    err instanceof ConfigError
      ? err.message
      : `Could not register the commands: ${redact((err as Error).message)}`,
  );
  process.exit(1);
}
