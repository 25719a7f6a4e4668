import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether `given` is the server's token, compared in constant time. Both sides are hashed first,
 * so neither the comparison nor an early length check reveals how much of a guess was right.
 */
export function isTokenAccepted(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function readBearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
