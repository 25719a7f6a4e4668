import type { ProviderPauseState, TaskState } from '../../core/index.js';

const PAUSE_REASONS: Record<ProviderPauseState['reason'], string> = {
  'rate-limited': 'rate-limited',
  backoff: 'backing off after an error',
  'circuit-open': 'circuit open',
  queued: 'queued behind its concurrency limit',
};

/**
 * Why a running task is not moving, from its provider events: `waiting: anthropic rate-limited 12s`,
 * `circuit open`. A pause is shown until its expected end (`nowMs` past it means the call went on);
 * an open or half-open circuit until the provider's breaker closes or the attempt ends.
 */
export function describeProviderWait(task: TaskState, nowMs: number): string | undefined {
  if (task.status !== 'running') return undefined;
  const parts: string[] = [];
  const pause = task.pause;
  if (pause !== undefined && nowMs < pause.until) {
    parts.push(`waiting: ${pause.provider} ${PAUSE_REASONS[pause.reason]} ${formatWait(pause.until - nowMs)}`);
  }
  const circuit = task.circuit;
  if (circuit !== undefined && !(pause?.reason === 'circuit-open' && nowMs < pause.until)) {
    parts.push(`${circuit.provider} circuit ${circuit.state}${circuit.failures === undefined ? '' : ` after ${circuit.failures} failures`}`);
  }
  return parts.length === 0 ? undefined : parts.join(' · ');
}

/** One line for a provider event in the line view: what the task waits for, and why. */
export function describeProviderPause(pause: Pick<ProviderPauseState, 'provider' | 'reason' | 'waitMs'>): string {
  return `waiting: ${pause.provider} ${PAUSE_REASONS[pause.reason]} ${formatWait(pause.waitMs)}`;
}

/** A wait in whole seconds, rounded up, as a countdown reads: `12s`, `2m05s`. */
function formatWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
