// Which linked account a session or a download belongs to. Pure.

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
