import type { CircuitChange, ProviderPause } from './provider-gate.js';

/** Tells a caller something; a throwing callback must not break the lane. */
export function notifyCaller<T extends ProviderPause | CircuitChange>(callback: ((value: T) => void) | undefined, value: T): void {
  if (callback === undefined) return;
  try {
    callback(value);
  } catch {
    // The caller's reporting failed; the call itself goes on.
  }
}
