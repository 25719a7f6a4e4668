import { describe, expect, it } from 'vitest';
import { simulatedLatencyFromEnv } from './simulated-latency.js';

describe('simulatedLatencyFromEnv', () => {
  it('reads a whole number of milliseconds, and nothing when unset or empty', () => {
    expect(simulatedLatencyFromEnv({ ENSEMBLE_SIMULATED_LATENCY_MS: '250' })).toBe(250);
    expect(simulatedLatencyFromEnv({ ENSEMBLE_SIMULATED_LATENCY_MS: ' 0 ' })).toBe(0);
    expect(simulatedLatencyFromEnv({})).toBeUndefined();
    expect(simulatedLatencyFromEnv({ ENSEMBLE_SIMULATED_LATENCY_MS: '' })).toBeUndefined();
  });

  it('rejects anything else, naming the variable', () => {
    for (const value of ['fast', '-1', '1.5', '1e3', '600001']) {
      expect(() => simulatedLatencyFromEnv({ ENSEMBLE_SIMULATED_LATENCY_MS: value }), value).toThrow(
        /^ENSEMBLE_SIMULATED_LATENCY_MS: expected a whole number of milliseconds/,
      );
    }
  });
});
