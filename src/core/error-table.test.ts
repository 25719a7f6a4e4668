import { describe, expect, it } from 'vitest';
import { ERROR_SURFACES, exitCodeFor, httpStatusFor } from './error-table.js';
import { ERROR_CODES, EnsembleError } from './errors.js';

/** The codes the CLI has always exited 2 for (the input names the problem). */
const INVALID_INPUT_CODES = new Set([
  'INVALID_INPUT',
  'INVALID_WORKFLOW',
  'GRAPH_CYCLE',
  'GRAPH_UNKNOWN_DEPENDENCY',
  'GRAPH_DUPLICATE_ID',
  'UNKNOWN_AGENT',
  'UNKNOWN_WORKFLOW',
  'UNKNOWN_RUN',
  'INVALID_AGENT_DEFINITION',
  'RUN_NOT_RESUMABLE',
  'INVALID_CONFIG',
  'PROVIDER_NOT_CONFIGURED',
]);

describe('the error table', () => {
  it.each(ERROR_CODES)('gives %s an exit code and an HTTP status that agree', (code) => {
    const exitCode = exitCodeFor(code);
    const status = httpStatusFor(code);
    expect(ERROR_SURFACES[code]).toEqual({ exitCode, httpStatus: status });
    // Exit 2 (fix your input) always goes with a 4xx; exit 1 with a 5xx or a state a client can wait out or settle.
    if (INVALID_INPUT_CODES.has(code)) expect(exitCode).toBe(2);
    if (exitCode === 2) expect(status).toBeGreaterThanOrEqual(400);
    if (exitCode === 2) expect(status).toBeLessThan(500);
    if (exitCode === 1) expect([402, 409, 429].includes(status) || status >= 500).toBe(true);
  });

  it('maps the codes clients branch on to their HTTP statuses', () => {
    expect(
      Object.fromEntries(['INVALID_INPUT', 'UNKNOWN_RUN', 'RUN_NOT_RESUMABLE', 'PROVIDER_RATE_LIMITED', 'PROVIDER_CIRCUIT_OPEN', 'INTERNAL'].map((code) => [code, httpStatusFor(code)])),
    ).toEqual({ INVALID_INPUT: 400, UNKNOWN_RUN: 404, RUN_NOT_RESUMABLE: 409, PROVIDER_RATE_LIMITED: 429, PROVIDER_CIRCUIT_OPEN: 503, INTERNAL: 500 });
  });

  it('reads the code of an EnsembleError, and treats anything else thrown as internal', () => {
    expect(exitCodeFor(new EnsembleError('GRAPH_CYCLE', 'a -> a'))).toBe(2);
    expect(httpStatusFor(new EnsembleError('UNKNOWN_AGENT', 'ghost'))).toBe(404);
    expect([exitCodeFor(new Error('boom')), httpStatusFor(new Error('boom'))]).toEqual([1, 500]);
    expect([exitCodeFor('NOT_A_CODE'), httpStatusFor('toString')]).toEqual([1, 500]);
  });
});
