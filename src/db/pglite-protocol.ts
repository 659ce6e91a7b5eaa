// The messages between the bot's thread (src/db/pglite-host.ts) and the embedded database's thread
// (src/db/pglite-worker.ts). A session's own bytes travel on its MessagePort: Uint8Array chunks of the PostgreSQL
// wire protocol both ways, and null from the host when the client hung up.
import type { MessagePort } from 'node:worker_threads';

export interface WorkerSetup {
  /** PGlite's data directory (DATA_DIR/pglite). */
  dir: string;
  /** Create the database (initdb), close it and end: the thread that serves it then starts without initdb's memory. */
  createOnly?: boolean;
}

export type HostMessage =
  | { type: 'session'; port: MessagePort }
  | { type: 'dump'; id: number }
  | { type: 'close' };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'dumped'; id: number; data: ArrayBuffer }
  | { type: 'failed'; id: number; message: string }
  | { type: 'closed' };
