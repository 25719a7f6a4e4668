import { EnsembleError } from '../core/index.js';
import type { ProviderLane } from './provider-lane.js';
import { isPaused } from './provider-lane.js';
import type { ProviderPauseNotice } from './provider-pause-channel.js';

/** What another governor's pause did to a lane: nothing (over, or not later than the pause in force), extended it, or started a pause. */
export type RemotePauseEffect = 'ignored' | 'extended' | 'started';

/**
 * Applies another governor's 429 to this governor's lane of that provider: the lane is paused until
 * the notice's end when that is later than now and than a pause in force. Says whether this started
 * a pause (the caller halves the limit once per episode) or only extended one.
 */
export function applyRemotePause(lane: ProviderLane, pause: ProviderPauseNotice, now: number): RemotePauseEffect {
  if (pause.pausedUntil <= now) return 'ignored';
  const wasPaused = isPaused(lane, now);
  if (wasPaused && lane.pause!.until >= pause.pausedUntil) return 'ignored';
  const error = new EnsembleError(
    'PROVIDER_RATE_LIMITED',
    `provider "${pause.provider}" is rate-limited: a 429 in another process (${pause.origin}) asked every caller to wait ${pause.retryAfterMs} ms`,
    { retryable: true, retryAfterMs: pause.retryAfterMs, details: { provider: pause.provider, origin: pause.origin, pausedUntil: pause.pausedUntil } },
  );
  lane.pause = { until: pause.pausedUntil, reason: 'rate-limited', error };
  return wasPaused ? 'extended' : 'started';
}
