/** Throws the signal's reason when it has aborted: long copies check it between files. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
}
