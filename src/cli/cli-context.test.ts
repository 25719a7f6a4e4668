import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EnsembleError } from '../core/index.js';
import { guardIo, reportError } from './cli-context.js';

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const io = guardIo({ stdout, stderr, env: { NO_COLOR: '1' }, cwd: '/' });
  return { io, out: () => out, err: () => err };
}

describe('reportError', () => {
  it('prints the code and the message, sanitised, and returns the exit code of the code', () => {
    const { io, err } = capture();
    expect(reportError(io, new EnsembleError('GRAPH_CYCLE', 'dependency cycle: a -> b -> a'), false)).toBe(2);
    expect(reportError(io, new EnsembleError('AGENT_EXIT_NONZERO', 'agent "x" exited with code 1: \u001b]0;pwned\u0007oops'), false)).toBe(1);
    expect(err()).toBe('error [GRAPH_CYCLE]: dependency cycle: a -> b -> a\nerror [AGENT_EXIT_NONZERO]: agent "x" exited with code 1: oops\n');
  });

  it('names the run an error ended, so it can be looked at or resumed (issue 6)', () => {
    const text = capture();
    const error = new EnsembleError('RUN_NOT_RESUMABLE', 'the run was taken over by process 42 on host-b', { details: { runId: 'run-abc' } });
    expect(reportError(text.io, error, false)).toBe(2);
    expect(text.err()).toBe('error [RUN_NOT_RESUMABLE]: the run was taken over by process 42 on host-b\nrun run-abc · ensemble runs show run-abc\n');
    const json = capture();
    reportError(json.io, error, true);
    expect(JSON.parse(json.out())).toEqual({ error: { code: 'RUN_NOT_RESUMABLE', message: 'the run was taken over by process 42 on host-b', runId: 'run-abc' } });
    // A message that names the run already is not repeated.
    const named = capture();
    reportError(named.io, new EnsembleError('RUN_NOT_RESUMABLE', 'run "run-abc" is still running', { details: { runId: 'run-abc' } }), false);
    expect(named.err()).toBe('error [RUN_NOT_RESUMABLE]: run "run-abc" is still running\n');
  });
});
