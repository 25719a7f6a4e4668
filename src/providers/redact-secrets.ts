/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Secrets shorter than this are not searched for: they would blank out ordinary words. */
const MIN_SECRET_LENGTH = 4;

/**
 * Replaces every occurrence of each secret (API keys) in `text` with `[redacted]`, longest
 * secrets first so one key containing another is removed whole.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  const ordered = [...new Set(secrets)].filter((secret) => secret.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of ordered) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  return result;
}
