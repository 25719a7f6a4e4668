/** A duration as people read it: `850 ms`, `12.4 s`, `2m 05s`, `1h 02m`. */
export function formatDurationMs(durationMs: number): string {
  const ms = Math.max(0, Math.round(durationMs));
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** An epoch-ms moment in the reader's time zone: the time alone today, with the date otherwise. */
export function formatMoment(epochMs: number, nowMs: number): string {
  const moment = new Date(epochMs);
  const isToday = moment.toDateString() === new Date(nowMs).toDateString();
  const time = moment.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return isToday ? time : `${moment.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })} ${time}`;
}
