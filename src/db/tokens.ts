// The stored media-server tokens as a whole: binding the ones stored before tokens were bound to their row (at
// start), and re-encrypting every one with a new key (`npm run db:rotate-key`). Each token stays bound to its row.
import { asc, eq } from 'drizzle-orm';
import { createTokenCipher, keyId, type TokenCipher } from '../secrets.ts';
import type { Db } from './client.ts';
import { mediaServers, pendingSignIns } from './schema.ts';

/**
 * Binds every token still in the unbound format (v1) to its row's id and address. Compare-and-set per row, so two
 * instances starting together do it once. A token this key cannot read is left as it is (the server is reported
 * as needing its token again). Answers how many were bound.
 */
export async function bindStoredTokens(db: Db, cipher: TokenCipher): Promise<number> {
  let bound = 0;
  for (const row of await db.select().from(mediaServers)) {
    const plain = cipher.decryptUnbound(row.tokenEncrypted);
    if (plain === null) continue;
    const updated = await db
      .update(mediaServers)
      .set({ tokenEncrypted: cipher.encrypt(plain, { serverId: row.id, url: row.url }) })
      .where(eq(mediaServers.tokenEncrypted, row.tokenEncrypted))
      .returning({ id: mediaServers.id });
    bound += updated.length;
  }
  return bound;
}

export interface RotationResult {
  /** Servers whose token is now encrypted with the new key. */
  rotated: string[];
  /** Servers whose token neither key could read (they need their token again, as before the rotation). */
  unreadable: string[];
}

/**
 * Re-encrypts every stored token with `newKey`, in one transaction (all or nothing). Tokens already under the new
 * key (a rotation run again after an interruption) are re-encrypted too, so running it twice is harmless.
 */
export async function reencryptTokens(db: Db, oldKey: Buffer, newKey: Buffer): Promise<RotationResult> {
  const ciphers = new Map([
    [keyId(oldKey), createTokenCipher(oldKey)],
    [keyId(newKey), createTokenCipher(newKey)],
  ]);
  const target = createTokenCipher(newKey);
  return db.transaction(async (tx) => {
    const result: RotationResult = { rotated: [], unreadable: [] };
    const rows = await tx.select().from(mediaServers).orderBy(asc(mediaServers.id)).for('update');
    for (const row of rows) {
      const binding = { serverId: row.id, url: row.url };
      const [version, storedKeyId] = row.tokenEncrypted.split(':');
      let plain: string | null = null;
      if (version === 'v1') plain = createTokenCipher(oldKey).decryptUnbound(row.tokenEncrypted);
      else {
        try {
          plain = ciphers.get(storedKeyId ?? '')?.decrypt(row.tokenEncrypted, binding) ?? null;
        } catch {
          plain = null;
        }
      }
      if (plain === null) {
        result.unreadable.push(row.name);
        continue;
      }
      await tx
        .update(mediaServers)
        .set({ tokenEncrypted: target.encrypt(plain, binding) })
        .where(eq(mediaServers.id, row.id));
      result.rotated.push(row.name);
    }
    // Quick Connect secrets of sign-ins not settled yet are bound to their server the same way.
    const pending = await tx
      .select({
        id: pendingSignIns.id,
        secret: pendingSignIns.secretEncrypted,
        serverId: mediaServers.id,
        url: mediaServers.url,
      })
      .from(pendingSignIns)
      .innerJoin(mediaServers, eq(mediaServers.id, pendingSignIns.serverId))
      .for('update', { of: pendingSignIns });
    for (const row of pending) {
      const binding = { serverId: row.serverId, url: row.url };
      let plain: string | null = null;
      try {
        plain = ciphers.get(row.secret.split(':')[1] ?? '')?.decrypt(row.secret, binding) ?? null;
      } catch {
        plain = null;
      }
      // One that can't be read is left: settling gives it up and tells the member which device to remove.
      if (plain === null) continue;
      await tx
        .update(pendingSignIns)
        .set({ secretEncrypted: target.encrypt(plain, binding) })
        .where(eq(pendingSignIns.id, row.id));
    }
    return result;
  });
}
