// The embedded database's own thread: PGlite (PostgreSQL compiled to WASM) runs every statement synchronously on
// the thread that calls it, so it lives here, in a worker thread, and the bot's event loop never waits on SQL.
// It speaks the PostgreSQL wire protocol: each session is a MessagePort carrying the bytes a client (postgres.js,
// through src/db/pglite-host.ts) would write to a socket, fed to PGlite's execProtocolRaw, whose answer goes back
// on the same port. PGlite is one backend, so sessions take turns: one is served until it ends, the next waits;
// a session that ends inside a transaction has it rolled back first. The parent asks for a dump (the backup) and
// for the close, which PGlite needs to leave its files consistent.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type { HostMessage, WorkerMessage, WorkerSetup } from './pglite-protocol.ts';

if (!parentPort)
  throw new Error('pglite-worker.ts runs as a worker thread (src/db/pglite-host.ts starts it)');
const parent = parentPort;
const { dir, createOnly } = workerData as WorkerSetup;
const send = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => parent.postMessage(message, transfer);

/** The frontend's startup message has no type byte; every later message is a type byte and an int32 length. */
const TERMINATE = 0x58; // 'X'

// PGlite runs PostgreSQL as a single backend in single-user mode: no checkpointer, and no checkpoint before close
// however long the write-ahead log grows. The bot checkpoints every hour (src/engine/maintenance.ts); max_wal_size
// is what a checkpoint keeps of the log for reuse (64 MB instead of 1 GB). The engine's memory never shrinks once
// grown, so what it may take is kept to what this database needs: 32 MB of shared buffers (128 MB by default; the
// whole database is tens of MB and the operating system caches its files too) and 8 MB for a vacuum.
const SETTINGS = {
  max_wal_size: '64MB',
  min_wal_size: '32MB',
  shared_buffers: '32MB',
  maintenance_work_mem: '8MB',
};
const params = Object.entries(SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
const db = await PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, ...params] });
if (createOnly) {
  await db.close();
  send({ type: 'ready' });
  parent.close();
} else {
  serve();
}

function serve(): void {
  /** Sessions waiting for the backend, in the order they came. */
  const waiting: MessagePort[] = [];
  let serving: MessagePort | null = null;

  function serveNext(): void {
    if (serving || waiting.length === 0) return;
    const port = waiting.shift() as MessagePort;
    serving = port;
    let pending = Buffer.alloc(0);
    let started = false;
    let ended = false;
    // Chunks are handled in order, one after the other: PGlite answers each batch before the next is fed.
    let queue: Promise<void> = Promise.resolve();

    const end = () => {
      if (ended) return;
      ended = true;
      port.close();
      queue = queue.then(async () => {
        // What the session left open must not leak into the next one: its transaction and its prepared statements.
        await db.exec(db.isInTransaction() ? 'rollback; deallocate all' : 'deallocate all').catch(() => {});
        serving = null;
        serveNext();
      });
    };

    const feed = async (batch: Uint8Array, startup: boolean) => {
      // The startup packet's answer is returned; every later answer is streamed to `onRawData`, which copies it out
      // of the engine's memory. Not `execProtocolRaw`: it also parses each answer into PGlite's current-query list,
      // which only `execProtocol` empties, so a long-lived raw session grows its thread's heap by every row it reads.
      const chunks: Uint8Array[] = [];
      if (startup) chunks.push((await db.runExclusive(() => db.execProtocolRaw(batch))).slice());
      else {
        await db.runExclusive(() =>
          db.execProtocolRawStream(batch, { onRawData: (bytes) => void chunks.push(bytes.slice()) }),
        );
      }
      const answer = joined(chunks);
      if (answer.byteLength > 0 && !ended) port.postMessage(answer, [answer.buffer as ArrayBuffer]);
    };

    port.on('message', (chunk: Uint8Array | null) => {
      if (chunk === null) return end();
      pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
      const batches: Array<{ batch: Uint8Array; startup: boolean }> = [];
      let terminate = false;
      if (!started && pending.length >= 4 && pending.length >= pending.readInt32BE(0)) {
        const length = pending.readInt32BE(0);
        batches.push({ batch: new Uint8Array(pending.subarray(0, length)), startup: true });
        pending = pending.subarray(length);
        started = true;
      }
      if (started) {
        let at = 0;
        while (pending.length - at >= 5) {
          if (pending[at] === TERMINATE) {
            terminate = true;
            break;
          }
          const length = 1 + pending.readInt32BE(at + 1);
          if (pending.length - at < length) break;
          at += length;
        }
        if (at > 0) batches.push({ batch: new Uint8Array(pending.subarray(0, at)), startup: false });
        pending = Buffer.from(pending.subarray(at));
      }
      for (const { batch, startup } of batches) queue = queue.then(() => feed(batch, startup));
      if (terminate) end();
    });
    port.on('close', end);
  }

  parent.on('message', (message: HostMessage) => {
    if (message.type === 'session') {
      waiting.push(message.port);
      serveNext();
    } else if (message.type === 'dump') {
      db.dumpDataDir('gzip')
        .then((blob) => blob.arrayBuffer())
        .then(
          (data) => send({ type: 'dumped', id: message.id, data }, [data]),
          (err: Error) => send({ type: 'failed', id: message.id, message: err.message }),
        );
    } else if (message.type === 'close') {
      // Every session has ended (the host ends its clients first); PGlite writes what it holds and closes.
      db.close()
        .then(
          () => send({ type: 'closed' }),
          (err: Error) => send({ type: 'failed', id: 0, message: err.message }),
        )
        .finally(() => parent.close());
    }
  });

  send({ type: 'ready' });
}

/** The chunks as one array of its own (transferable: never a slice of a shared pool). */
function joined(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
