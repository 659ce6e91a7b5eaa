// One process at a time on the embedded database: PGlite opened by two processes corrupts its directory. The bot
// and the database tools take DATA_DIR/streamwarden.lock before opening it. The file says who holds it (pid, host,
// start time, what for); it is created whole and atomically (written aside, then hard-linked into place, which
// fails when the name exists). A lock left by a process that died (kill -9, a power cut) is taken over: on the
// same host and pid namespace when its pid is gone (or now belongs to a process started later); from another host
// or another container (whose pids this process cannot see) when its holder stopped refreshing it.
import { randomBytes } from 'node:crypto';
import {
  linkSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE_NAME = 'streamwarden.lock';

/** How often the holder touches the lock file, and how old a lock from another host must be to count as left. */
const REFRESH_MS = 15_000;
const FOREIGN_STALE_MS = 90_000;

export type LockPurpose = 'bot' | 'backup' | 'restore' | 'copy' | 'rotate-key';

export interface LockHolder {
  pid: number;
  host: string;
  /** Start of the holder's process in the kernel's clock ticks since boot (Linux), to tell a reused pid apart. */
  processStart: string | null;
  /** The holder's pid namespace (Linux): a container's pids mean nothing in another container. */
  pidNamespace: string | null;
  startedAt: string;
  purpose: LockPurpose;
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/** Another live process holds DATA_DIR; the message names it and says what to do. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly holder: LockHolder,
    readonly file: string,
    advice: string,
  ) {
    const who = holder.purpose === 'bot' ? 'a running Streamwarden bot' : `\`npm run db:${holder.purpose}\``;
    super(
      `${file.replace(/[/\\]streamwarden\.lock$/, '')} is in use by ${who} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}). ${advice}`,
    );
  }
}

/** The kernel's start time of a process (field 22 of /proc/<pid>/stat), or null where /proc is not available. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function pidNamespace(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Locks taken by this process, so a second take in the same process is refused too (its pid is alive). */
const heldHere = new Set<string>();

function isLeftBehind(holder: LockHolder, file: string, now: number): boolean {
  if (holder.pid <= 0) return true; // unreadable content
  const namespace = pidNamespace();
  const otherNamespace =
    holder.pidNamespace !== null && namespace !== null && holder.pidNamespace !== namespace;
  if (holder.host !== hostname() || otherNamespace) {
    const refreshed = statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    return now - refreshed > FOREIGN_STALE_MS;
  }
  // Our own pid: held by this process, or left by an earlier process that had the same pid (pid 1 in a container).
  if (holder.pid === process.pid) return !heldHere.has(file);
  if (!pidAlive(holder.pid)) return true;
  const start = processStart(holder.pid);
  return holder.processStart !== null && start !== null && start !== holder.processStart;
}

function readHolder(file: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return null;
    return {
      pid: parsed.pid,
      host: parsed.host,
      processStart: typeof parsed.processStart === 'string' ? parsed.processStart : null,
      pidNamespace: typeof parsed.pidNamespace === 'string' ? parsed.pidNamespace : null,
      startedAt: String(parsed.startedAt ?? 'an unknown time'),
      purpose: (parsed.purpose ?? 'bot') as LockPurpose,
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // Unreadable content: only a crash between our write and link could leave it, and link is atomic. Treat as
    // held by nobody alive.
    return {
      pid: 0,
      host: hostname(),
      processStart: null,
      pidNamespace: null,
      startedAt: 'an unknown time',
      purpose: 'bot',
    };
  }
}

/**
 * Takes DATA_DIR's lock for `purpose`, or throws DataDirLockedError naming the live holder (`advice` says what to
 * do about it). The lock is refreshed while held and removed by release().
 */
export function lockDataDir(
  dataDir: string,
  purpose: LockPurpose,
  advice: (holder: LockHolder) => string,
): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE_NAME);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    processStart: processStart(process.pid),
    pidNamespace: pidNamespace(),
    startedAt: new Date().toISOString(),
    purpose,
  };
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${JSON.stringify(me)}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(draft, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw err;
      }
      const holder = readHolder(file);
      if (holder === null) continue; // released meanwhile
      if (!isLeftBehind(holder, file, Date.now())) throw new DataDirLockedError(holder, file, advice(holder));
      takeOver(file, holder);
    }
  } finally {
    rmSync(draft, { force: true });
  }
  heldHere.add(file);
  const refresh = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(file, now, now);
    } catch {
      // The directory went away (a test cleaning up): nothing to refresh.
    }
  }, REFRESH_MS);
  refresh.unref();
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      clearInterval(refresh);
      heldHere.delete(file);
      // Only our own lock is removed (it is ours unless someone deleted it by hand and another process took it).
      if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
}

/**
 * Moves a left-behind lock aside. Two processes may race for it: the rename is atomic, so one of them moves it;
 * the other either finds it gone or, if the winner's new lock is already in place, moved the winner's lock: that
 * one is put back (link refuses to replace anything) and the race is retried.
 */
function takeOver(file: string, stale: LockHolder): void {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readHolder(aside);
  if (moved && (moved.pid !== stale.pid || moved.startedAt !== stale.startedAt)) {
    try {
      linkSync(aside, file);
    } catch {
      // Someone else's lock is in place already; it stays.
    }
  }
  rmSync(aside, { force: true });
}
