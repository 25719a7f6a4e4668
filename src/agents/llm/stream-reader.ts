/**
 * Iterates `stream` until it ends or `signal` aborts; on abort the pending read is abandoned at
 * once (rejecting with `signal.reason`) and the stream is cancelled, so a stalled provider
 * cannot hold a task past its timeout even if its transport ignores the signal.
 */
export async function* readUntilAborted<T>(stream: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T, void, undefined> {
  if (signal.aborted) throw signal.reason;
  const iterator = stream[Symbol.asyncIterator]();
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
  });
  // Handled here so an abort after the last race is not an unhandled rejection.
  aborted.catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  let isDone = false;
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done === true) {
        isDone = true;
        return;
      }
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Not awaited: a stalled read may only settle once the transport notices the abort.
    if (!isDone) void Promise.resolve(iterator.return?.()).catch(() => {});
  }
}
