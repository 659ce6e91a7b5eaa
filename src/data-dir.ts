// DATA_DIR must be writable by the user the bot runs as. A folder made by root (a bind mount Docker created, an
// earlier run as root) is the usual cause when it isn't: checked once at start, so the owner reads what to do
// instead of an EACCES from deep inside the database.
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);

/** What lives in DATA_DIR and must stay writable when it is there (the embedded database, the key file). */
const INSIDE = ['pglite', 'encryption.key'];

export class DataDirAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirAccessError';
  }
}

/** The image's DATA_DIR: a volume or a host folder mounted there. */
const IMAGE_DATA_DIR = '/data';

/** The message for a DATA_DIR the bot may not write: the folder, who the bot runs as, and the two fixes. */
export function dataDirAccessMessage(
  dataDir: string,
  problem: { code: string; path: string },
  user: { uid: number | string; gid: number | string },
): string {
  const what =
    problem.code === 'EROFS'
      ? `${problem.path} is mounted read-only: mount it read-write`
      : `permission denied on ${problem.path} (${problem.code})`;
  const owner = `${user.uid}:${user.gid}`;
  const chown =
    dataDir === IMAGE_DATA_DIR
      ? `\`sudo chown -R ${owner} ./data\` on the host folder mounted as ${dataDir} (for the compose volume: \`docker compose run --rm --user root streamwarden chown -R ${owner} ${dataDir}\`)`
      : `\`sudo chown -R ${owner} ${dataDir}\``;
  return (
    `the data folder ${dataDir} can't be written: ${what}. The bot runs as uid ${user.uid}, gid ${user.gid}. ` +
    `Give that user the folder: ${chown}. Or run the bot as the folder's owner (compose.yaml: \`user: "<uid>:<gid>"\`).`
  );
}

const currentUser = () => ({ uid: process.getuid?.() ?? '?', gid: process.getgid?.() ?? '?' });

/** Throws DataDirAccessError when DATA_DIR (or what is already in it) can't be written by this process. */
export function checkDataDirWritable(dataDir: string): void {
  let at = dataDir;
  try {
    mkdirSync(dataDir, { recursive: true });
    const probe = join(dataDir, `.write-check-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
    for (const name of INSIDE) {
      at = join(dataDir, name);
      if (existsSync(at)) accessSync(at, constants.R_OK | constants.W_OK);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (!e.code || !DENIED.has(e.code)) throw err;
    throw new DataDirAccessError(dataDirAccessMessage(dataDir, { code: e.code, path: at }, currentUser()));
  }
}
