import type { ProviderPauseState, TaskState } from '../../src/core/index.js';

const PAUSE_REASONS: Readonly<Record<ProviderPauseState['reason'], string>> = {
  'rate-limited': 'rate-limited',
  backoff: 'backing off after an error',
  'circuit-open': 'circuit open',
  queued: 'queued behind its concurrency limit',
};

const BRIEF_PAUSE_REASONS: Readonly<Record<ProviderPauseState['reason'], string>> = {
  'rate-limited': 'rate-limited',
  backoff: 'backing off',
  'circuit-open': 'circuit open',
  queued: 'queued',
};

/**
 * What holds a running task up, from its provider events (RunState's `pause` and `circuit`):
 * `anthropic rate-limited, 12 s left`, `openai circuit open after 5 failures`. A pause is shown until
 * its expected end; an open circuit until the breaker closes or the attempt ends.
 */
export function describeTaskHold(task: TaskState, nowMs: number): string | undefined {
  if (task.status !== 'running') return undefined;
  const parts: string[] = [];
  const { pause, circuit } = task;
  const isPaused = pause !== undefined && nowMs < pause.until;
  if (isPaused) parts.push(`${pause.provider} ${PAUSE_REASONS[pause.reason]}, ${Math.max(1, Math.ceil((pause.until - nowMs) / 1000))} s left`);
  if (circuit !== undefined && !(isPaused && pause.reason === 'circuit-open')) {
    parts.push(`${circuit.provider} circuit ${circuit.state}${circuit.failures === undefined ? '' : ` after ${circuit.failures} failures`}`);
  }
  return parts.length === 0 ? undefined : parts.join(' · ');
}

/** The same, short enough for a box of the graph: `waiting: rate-limited · 12 s`, `circuit half-open`. */
export function describeTaskHoldBriefly(task: TaskState, nowMs: number): string | undefined {
  if (task.status !== 'running') return undefined;
  const { pause, circuit } = task;
  if (pause !== undefined && nowMs < pause.until) return `waiting: ${BRIEF_PAUSE_REASONS[pause.reason]} · ${Math.max(1, Math.ceil((pause.until - nowMs) / 1000))} s`;
  if (circuit !== undefined) return `circuit ${circuit.state}`;
  return undefined;
}
