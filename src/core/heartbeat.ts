/** A heartbeat older than this means the owner is gone (six missed renewals of 5 s), in ms. */
export const DEFAULT_STALE_AFTER_MS = 30_000;

/**
 * Whether an owner's heartbeat is too old for it to still run the run: the one rule the store's
 * claim and the host's liveness check share. No heartbeat recorded (an older journal) is not stale.
 */
export function isHeartbeatStale(
  owner: { readonly heartbeatAt?: number | undefined; readonly staleAfterMs?: number | undefined },
  nowMs: number,
): boolean {
  return owner.heartbeatAt !== undefined && nowMs - owner.heartbeatAt > (owner.staleAfterMs ?? DEFAULT_STALE_AFTER_MS);
}
