/** Longest wait a provider may ask for that is taken literally: one hour. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * How long a provider asks callers to wait, in ms, from `retry-after-ms` (OpenAI; milliseconds)
 * or `retry-after` (seconds, or an HTTP date). Header names are matched case-insensitively.
 * Undefined when neither header is present or readable.
 */
export function parseRetryAfterMs(headers: Readonly<Record<string, string | undefined>> | undefined, nowMs: number): number | undefined {
  if (headers === undefined) return undefined;
  const lower = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value?.trim()]));
  const milliseconds = lower.get('retry-after-ms');
  if (milliseconds !== undefined && /^\d+(\.\d+)?$/.test(milliseconds)) return clamp(Number(milliseconds));
  const retryAfter = lower.get('retry-after');
  if (retryAfter === undefined || retryAfter === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return clamp(Number(retryAfter) * 1000);
  const at = Date.parse(retryAfter);
  return Number.isNaN(at) ? undefined : clamp(at - nowMs);
}

function clamp(delayMs: number): number {
  return Math.round(Math.min(Math.max(delayMs, 0), MAX_RETRY_AFTER_MS));
}
