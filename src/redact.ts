// One redactor for every secret that goes into a URL, a header or an error message.
// Secrets are registered once (config load, server token decrypt) and masked everywhere after.

const secrets = new Set<string>();

/** Registers a secret so that `redact` masks it. Short strings are ignored (they would mask ordinary words). */
export function registerSecret(secret: string | null | undefined): void {
  if (secret && secret.length >= 6) secrets.add(secret);
}

/**
 * Registers a secret that lives only for a while (a member's sign-in token, a Quick Connect secret) and returns the
 * function that forgets it once it is discarded. A secret that was already registered stays registered.
 */
export function holdSecret(secret: string): () => void {
  if (secret.length < 6 || secrets.has(secret)) return () => {};
  secrets.add(secret);
  return () => {
    secrets.delete(secret);
  };
}

const TOKEN_PARAMS = /([?&](?:X-Plex-Token|api_key|ApiKey|token|access_token)=)[^&#\s"']+/gi;
const TOKEN_HEADERS = /((?:X-Plex-Token|X-Emby-Token|Token=)["':\s]*)"?[A-Za-z0-9._~+/=-]{6,}"?/gi;

/** Masks registered secrets and anything that looks like a token parameter or header. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out.replace(TOKEN_PARAMS, '$1[redacted]').replace(TOKEN_HEADERS, '$1[redacted]');
}
