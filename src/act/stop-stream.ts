// Stopping one session on a server, as the outbox's stop effects do it: the server's client, the stop with its
// on-screen message, and what the attempt taught about the server's capabilities.
import type { AppContext } from '../context.ts';
import type { MediaServerRow } from '../db/schema.ts';
import type { ActiveStream, StopResult } from '../media/types.ts';
import { PermanentEffectError } from './outbox.ts';

export type ServerClient = ReturnType<AppContext['media']['forRow']>;

/** The server's client; a server that cannot be used (a token that no longer decrypts) fails the effect for good. */
export function stopClient(ctx: AppContext, server: MediaServerRow): ServerClient {
  try {
    return ctx.media.forRow(server);
  } catch (err) {
    throw new PermanentEffectError(`cannot use this server: ${(err as Error).message}`);
  }
}

/** Stops a session with an on-screen message and records what that showed of the server's capabilities. */
export async function stopAndLearn(
  ctx: AppContext,
  server: MediaServerRow,
  client: ServerClient,
  stream: ActiveStream,
  message: { title: string; text: string },
): Promise<StopResult> {
  // A MediaServerError (down, timeout) is thrown: the outbox retries the stop.
  const result = await client.stopStream(stream, message);
  await ctx.capabilities.observe(server, [
    result.ok
      ? { capability: 'stop-stream', ok: true }
      : result.serverRefuses
        ? { capability: 'stop-stream', ok: false, reason: result.reason ?? 'the server refused the stop' }
        : null,
    result.message ? { capability: 'on-screen-message', ...result.message } : null,
  ]);
  return result;
}
