/**
 * JSON with object keys sorted at every level, so equal values give equal text whatever order
 * their keys were built in (a key hashes this). `undefined` members and functions are left out as
 * JSON.stringify does; dates become ISO text and bigints decimal text.
 */
export function toCanonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value)) ?? 'null';
}

function normalise(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => (item === undefined || typeof item === 'function' ? null : normalise(item)));
  if (typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member: unknown = (value as Record<string, unknown>)[key];
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
      sorted[key] = normalise(member);
    }
    return sorted;
  }
  return undefined;
}
