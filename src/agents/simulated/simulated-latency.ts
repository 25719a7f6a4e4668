import { EnsembleError } from '../../core/index.js';
import { MAX_SIMULATED_LATENCY_MS, simulatedLatencySchema } from '../schema.js';

/**
 * Reads ENSEMBLE_SIMULATED_LATENCY_MS (a whole number of ms, 0-600000) for the simulated runtime;
 * undefined when unset or empty. Anything else is `INVALID_INPUT` naming the variable.
 */
export function simulatedLatencyFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env['ENSEMBLE_SIMULATED_LATENCY_MS'];
  if (raw === undefined || raw.trim() === '') return undefined;
  const parsed = simulatedLatencySchema.safeParse(raw);
  if (!parsed.success) {
    throw new EnsembleError(
      'INVALID_INPUT',
      `ENSEMBLE_SIMULATED_LATENCY_MS: expected a whole number of milliseconds from 0 to ${MAX_SIMULATED_LATENCY_MS}, got ${JSON.stringify(raw)}`,
      { details: { variable: 'ENSEMBLE_SIMULATED_LATENCY_MS', value: raw } },
    );
  }
  return parsed.data;
}
