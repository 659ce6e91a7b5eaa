// Which linked account a session or a download belongs to, and which account names are close to a typed one. Pure.

export interface LinkKey {
  accountName: string;
  accountId: string | null;
}

export interface SeenAccount {
  accountId: string | null;
  accountName: string | null;
}

const normaliseName = (name: string | null) => (name ?? '').trim().toLowerCase();

/**
 * The link on one server that `seen` belongs to: by account id when both sides know it, else by name (trimmed,
 * case-insensitive). A link that knows its id only falls back to the name when `seen` carries no id, so a
 * renamed account keeps matching and a reused name does not steal someone else's link.
 */
export function findLink<L extends LinkKey>(seen: SeenAccount, serverLinks: readonly L[]): L | undefined {
  if (seen.accountId !== null) {
    const byId = serverLinks.find((link) => link.accountId === seen.accountId);
    if (byId) return byId;
  }
  const name = normaliseName(seen.accountName);
  if (name === '') return undefined;
  return serverLinks.find(
    (link) =>
      (link.accountId === null || seen.accountId === null) && normaliseName(link.accountName) === name,
  );
}

/** Edit distance (insertions, deletions, substitutions) between two strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The names among `names` close to `typed` (trimmed, case-insensitive), closest first, at most `max`: one that
 * contains what was typed (or is contained in it), or within a few edits (a third of the typed length, at least 2).
 */
export function closeNames(typed: string, names: readonly string[], max = 3): string[] {
  const wanted = normaliseName(typed);
  if (wanted === '') return [];
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of new Set(names)) {
    const candidate = normaliseName(name);
    if (candidate === '' || candidate === wanted) continue;
    const distance = editDistance(wanted, candidate);
    const contains = candidate.includes(wanted) || wanted.includes(candidate);
    if (distance <= limit || (contains && Math.min(wanted.length, candidate.length) >= 3))
      scored.push({ name, score: distance });
  }
  return scored
    .sort((x, y) => x.score - y.score || x.name.localeCompare(y.name))
    .slice(0, max)
    .map((s) => s.name);
}
