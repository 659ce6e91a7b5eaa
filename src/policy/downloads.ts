// Weekly download quotas, Streams Manager's rules made exact:
// - each downloaded movie or episode counts once;
// - a download still not complete two hours after it started counts again, once for every further two hours
//   ("each download must be completed in 2 hours or less or it will count as a new download");
// - seeing the same download on several poll cycles never counts it twice.
//
// The store keeps one DownloadRecord per (server, download id). Counting is derived from the record, never
// incremented, so re-running a cycle or replaying an observation cannot inflate anyone's usage.

export const RECOUNT_INTERVAL_MS = 2 * 60 * 60 * 1000;

/** What the store keeps per (server, download id). */
export interface DownloadRecord {
  startedAt: Date;
  /** The latest poll that still saw the download incomplete; null when it was only ever seen complete. */
  lastSeenIncompleteAt: Date | null;
}

export interface DownloadPlan {
  downloadsAllowed: boolean;
  weeklyDownloads: number | null;
}

/** Index of the last counted unit: 0 for the first, +1 for every full 2 h the download stayed incomplete. */
function lastUnitIndex(rec: DownloadRecord): number {
  if (rec.lastSeenIncompleteAt === null) return 0;
  const elapsed = rec.lastSeenIncompleteAt.getTime() - rec.startedAt.getTime();
  return elapsed <= 0 ? 0 : Math.floor(elapsed / RECOUNT_INTERVAL_MS);
}

/**
 * The instants at which each counted unit of this download began: startedAt, then startedAt+2h, +4h … for every
 * multiple of 2 h that has passed by lastSeenIncompleteAt (inclusive: still incomplete at exactly +2h counts again).
 */
export function downloadUnitTimes(rec: DownloadRecord): Date[] {
  const start = rec.startedAt.getTime();
  const last = lastUnitIndex(rec);
  const times: Date[] = [];
  for (let k = 0; k <= last; k++) times.push(new Date(start + k * RECOUNT_INTERVAL_MS));
  return times;
}

/** Units whose instant lies in the half-open week [weekStart, weekEnd). Computed without listing the units. */
export function unitsInWeek(records: DownloadRecord[], weekStart: Date, weekEnd: Date): number {
  let total = 0;
  for (const rec of records) total += unitsInRange(rec, weekStart.getTime(), weekEnd.getTime());
  return total;
}

function unitsInRange(rec: DownloadRecord, from: number, to: number): number {
  const start = rec.startedAt.getTime();
  // Unit k begins at start + k·I; keep the k in [0, last] with from ≤ start + k·I < to.
  const first = Math.max(0, Math.ceil((from - start) / RECOUNT_INTERVAL_MS));
  const last = Math.min(lastUnitIndex(rec), Math.ceil((to - start) / RECOUNT_INTERVAL_MS) - 1);
  return Math.max(0, last - first + 1);
}

/**
 * Folds one poll's sighting of a download into its record.
 *
 * The record is the earliest known start and the latest incomplete sighting, so folding is idempotent and
 * independent of order: observing the same thing twice, or replaying an older observation, changes nothing.
 * A start the platform does not give (Plex activities) is taken as the first time the bot saw the download;
 * a start in the future (clock skew between the server and the bot) is clamped to `now`.
 */
export function observeDownload(
  previous: DownloadRecord | null,
  seen: { startedAt: Date | null; complete: boolean },
  now: Date,
): DownloadRecord {
  const seenStart = earliest(seen.startedAt ?? now, now);
  const seenIncomplete = seen.complete ? null : now;
  if (previous === null) {
    return {
      startedAt: new Date(seenStart),
      lastSeenIncompleteAt: seenIncomplete && new Date(seenIncomplete),
    };
  }
  return {
    startedAt: new Date(earliest(previous.startedAt, seenStart)),
    lastSeenIncompleteAt: latest(previous.lastSeenIncompleteAt, seenIncomplete),
  };
}

function earliest(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b && new Date(b);
  if (b === null) return new Date(a);
  return new Date(Math.max(a.getTime(), b.getTime()));
}

/**
 * Weekly downloads a member may make. No plan, or a plan that does not allow downloads → 0. Otherwise the
 * member's personal allotment when set, else the plan's default (null → 0). Negative or fractional numbers are
 * floored to a whole number of downloads, never below 0.
 */
export function allotmentFor(plan: DownloadPlan | null, personal: number | null): number {
  if (plan === null || !plan.downloadsAllowed) return 0;
  return wholeCount(personal ?? plan.weeklyDownloads ?? 0);
}

function wholeCount(n: number): number {
  return Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0;
}

/** Over quota only when more than the allotment was used: using exactly the allotment is fine. */
export function isOverQuota(used: number, allotment: number): boolean {
  return used > allotment;
}

/**
 * A text bar such as '▰▰▰▰▰▱▱▱▱▱'. Full when the allotment is used up or exceeded; any use shows at least one
 * filled segment and an allotment not yet used up never shows as full. Allotment 0: empty, or full once used.
 */
export function progressBar(used: number, allotment: number, width = 10): string {
  if (!Number.isInteger(width) || width < 1)
    throw new RangeError(`Progress bar width must be a positive integer`);
  const filled = filledSegments(used, allotment, width);
  return '▰'.repeat(filled) + '▱'.repeat(width - filled);
}

function filledSegments(used: number, allotment: number, width: number): number {
  if (used <= 0) return 0;
  if (allotment <= 0 || used >= allotment) return width;
  const rounded = Math.round((used / allotment) * width);
  return Math.min(width - 1, Math.max(1, rounded));
}
