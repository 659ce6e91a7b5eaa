// The interaction handler never rejects: a failure while answering a failure is logged, not thrown (an unhandled
// rejection exits Node). The fake interaction implements only what handleInteraction reads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Interaction } from 'discord.js';
import type { AppContext } from '../../src/context.ts';
import type { Command } from '../../src/discord/command.ts';
import { handleInteraction } from '../../src/gateway/dispatch.ts';
import { createLogger } from '../../src/log.ts';
import { UserError } from '../../src/user-error.ts';

const GUILD = '100000000000000001';

function setup(options: { reply: () => Promise<unknown>; getSubcommand?: () => string | null }) {
  const lines: string[] = [];
  const ctx = {
    config: { guildId: GUILD },
    log: createLogger('warn', { destination: { write: (s: string) => void lines.push(s) } }),
  } as unknown as AppContext;
  const interaction = {
    isAutocomplete: () => false,
    isChatInputCommand: () => true,
    inGuild: () => true,
    guildId: GUILD,
    commandName: 'boom',
    memberPermissions: null,
    deferred: false,
    replied: false,
    options: { getSubcommand: options.getSubcommand ?? (() => null) },
    reply: options.reply,
  } as unknown as Interaction;
  return { ctx, interaction, logged: () => lines.map((l) => JSON.parse(l) as { msg: string }) };
}

const failing = (err: Error): Command =>
  ({
    adminOnly: false,
    data: { name: 'boom', toJSON: () => ({ name: 'boom', description: 'x' }) },
    execute: async () => {
      throw err;
    },
  }) as Command;

describe('handleInteraction', () => {
  test('an error while answering an error is logged and the promise resolves', async () => {
    const { ctx, interaction, logged } = setup({
      reply: async () => ({}),
      getSubcommand: () => {
        throw new Error('context for the log line could not be read');
      },
    });
    const commands = new Map([['boom', failing(new Error('command broke'))]]);
    await handleInteraction(interaction, commands, ctx);
    assert.ok(logged().some((l) => l.msg === 'interaction handler failed'));
  });

  test('a refusal Discord does not accept is logged, not thrown', async () => {
    const { ctx, interaction, logged } = setup({
      reply: async () => {
        throw Object.assign(new Error('Invalid Form Body'), { code: 50035, status: 400 });
      },
    });
    const commands = new Map([['boom', failing(new UserError('x'.repeat(5000)))]]);
    await handleInteraction(interaction, commands, ctx);
    assert.ok(logged().some((l) => l.msg === 'reply failed'));
  });
});
