// The bot's side of the embedded database: starts PGlite in a worker thread (src/db/pglite-worker.ts) and hands
// postgres.js a socket to it, so the embedded database is reached by the same driver, queries and transactions as
// PostgreSQL, and its statements run off the bot's event loop. A worker that stops on its own (PGlite failed) ends
// the bot through src/crash.ts: a supervisor starts a clean process, which resumes from the database.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Duplex } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { HostMessage, WorkerMessage, WorkerSetup } from './pglite-protocol.ts';

/** The embedded database stopped while the bot was using it. */
export class EmbeddedDatabaseStopped extends Error {
  override name = 'EmbeddedDatabaseStopped';
}

export interface EmbeddedHost {
  /** A new session: what postgres.js's `socket` option asks for. */
  socket(): Duplex;
  /** The data directory as a gzipped tarball, made by the running database (the backup format). */
  dump(): Promise<Blob>;
  /** Closes PGlite (its files written) and ends the thread. Sessions must have ended first. */
  close(): Promise<void>;
}

/**
 * The worker thread. From source its file is beside this module, in TypeScript: the thread registers tsx itself
 * before importing it, because Node does not pass the parent's `--import tsx` loader to worker threads. In a bundle
 * (npm run build) this module sits in dist/ or dist/chunks/ and the worker is the entry point dist/pglite-worker.js,
 * found by walking up.
 */
function newWorker(setup: WorkerSetup): Worker {
  const here = dirname(fileURLToPath(import.meta.url));
  const source = join(here, 'pglite-worker.ts');
  if (existsSync(source)) {
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = pathToFileURL(source).href;
    const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(code, { eval: true, workerData: setup });
  }
  for (let dir = here; ; dir = dirname(dir)) {
    const bundled = join(dir, 'pglite-worker.js');
    if (existsSync(bundled)) return new Worker(pathToFileURL(bundled), { workerData: setup });
    if (dirname(dir) === dir) throw new Error(`pglite-worker.js not found above ${here}`);
  }
}

/** One session's end of the wire: postgres.js reads and writes it as it would a TCP socket. */
class SessionSocket extends Duplex {
  /** postgres.js checks it before sending Terminate. */
  readyState: 'open' | 'closed' = 'open';

  constructor(private readonly port: MessagePort) {
    super();
    port.on('message', (chunk: Uint8Array) =>
      this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
    );
    // The worker ended the session (or stopped): nothing more comes.
    port.on('close', () => this.destroy());
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    const copy = new Uint8Array(chunk);
    this.port.postMessage(copy, [copy.buffer]);
    done();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.port.postMessage(null);
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.readyState = 'closed';
    this.port.close();
    done(err);
  }
}

/** A new database is created (initdb) in a thread of its own that then ends, handing its memory back. */
function createDatabase(dir: string): Promise<void> {
  const worker = newWorker({ dir, createOnly: true });
  return new Promise<void>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`The embedded database could not be created (exit code ${code})`)),
    );
  });
}

/**
 * Starts PGlite on `dir` in its own thread; resolves once it is open (rejects when it cannot open). A new database
 * is created first by a thread of its own: initdb leaves a few hundred MiB behind in the thread that ran it.
 */
export async function startEmbedded(dir: string): Promise<EmbeddedHost> {
  if (!existsSync(join(dir, 'PG_VERSION'))) await createDatabase(dir);
  return serveEmbedded(dir);
}

function serveEmbedded(dir: string): Promise<EmbeddedHost> {
  const worker = newWorker({ dir });
  const post = (message: HostMessage, transfer: MessagePort[] = []) => worker.postMessage(message, transfer);
  const dumps = new Map<number, { resolve: (b: Blob) => void; reject: (e: Error) => void }>();
  let nextDump = 1;
  let closing: Promise<void> | null = null;
  let ready = false;
  let closeError: Error | null = null;

  return new Promise<EmbeddedHost>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        ready = true;
        resolve(host);
      } else if (message.type === 'dumped') {
        dumps.get(message.id)?.resolve(new Blob([message.data]));
        dumps.delete(message.id);
      } else if (message.type === 'failed') {
        if (message.id === 0)
          closeError = new Error(`The embedded database did not close cleanly: ${message.message}`);
        dumps.get(message.id)?.reject(new Error(message.message));
        dumps.delete(message.id);
      }
    });
    worker.on('error', (err) => {
      if (!ready) return reject(err);
      stopped(new EmbeddedDatabaseStopped(`The embedded database failed: ${err.message}`, { cause: err }));
    });
    worker.on('exit', (code) => {
      if (!ready)
        return reject(new Error(`The embedded database could not start (thread exit code ${code})`));
      if (!closing)
        stopped(new EmbeddedDatabaseStopped(`The embedded database stopped (thread exit code ${code})`));
    });

    let crashed = false;
    /** Uncaught on purpose: src/crash.ts logs it and ends the process (exit 70). */
    const stopped = (err: Error) => {
      if (crashed || closing) return;
      crashed = true;
      for (const d of dumps.values()) d.reject(err);
      process.nextTick(() => {
        throw err;
      });
    };

    const host: EmbeddedHost = {
      socket() {
        const { port1, port2 } = new MessageChannel();
        post({ type: 'session', port: port2 }, [port2]);
        return new SessionSocket(port1);
      },
      dump() {
        const id = nextDump++;
        return new Promise<Blob>((resolveDump, rejectDump) => {
          dumps.set(id, { resolve: resolveDump, reject: rejectDump });
          post({ type: 'dump', id });
        });
      },
      close() {
        closing ??= new Promise<void>((done, fail) => {
          worker.once('exit', () => (closeError ? fail(closeError) : done()));
          post({ type: 'close' });
        });
        return closing;
      },
    };
  });
}
