/** Default gap between two partial-output reports, in ms: every report is a journaled event. */
export const OUTPUT_REPORT_INTERVAL_MS = 250;

/** Collects streamed text and hands it on in batches. */
export interface OutputCoalescer {
  /** Adds a delta; reported at once when the last report is `intervalMs` old, else with the next batch. */
  push(delta: string): void;
  /** Reports what is pending now (the end of a stream). */
  flush(): void;
  /** Drops what is pending and stops the timer (a failed or aborted stream). */
  discard(): void;
}

/**
 * Coalesces deltas so `report` runs at most once per `intervalMs`: the first delta goes out at
 * once, later ones wait for the interval to pass, and `flush` sends the remainder.
 */
export function createOutputCoalescer(report: (delta: string) => void, intervalMs = OUTPUT_REPORT_INTERVAL_MS): OutputCoalescer {
  let pending = '';
  let lastReportAt = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  const send = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending === '') return;
    const delta = pending;
    pending = '';
    lastReportAt = Date.now();
    report(delta);
  };
  return {
    push(delta) {
      if (delta === '') return;
      pending += delta;
      const waitMs = lastReportAt + intervalMs - Date.now();
      if (waitMs <= 0) send();
      else if (timer === undefined) timer = setTimeout(send, waitMs);
    },
    flush: send,
    discard() {
      pending = '';
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
