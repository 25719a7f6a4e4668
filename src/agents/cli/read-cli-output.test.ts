import { describe, expect, it } from 'vitest';
import type { EnsembleError } from '../../core/index.js';
import type { AgentDefinition } from '../registry/index.js';
import { applyCliOutput, readCliOutput } from './read-cli-output.js';

const claude = (onRefusal?: 'fail' | 'warn'): AgentDefinition => ({
  name: 'coder',
  description: 'Claude Code',
  category: 'development',
  runtime: 'cli',
  command: ['claude', '-p', '--output-format', 'json'],
  outputFormat: 'claude-json',
  tools: [],
  prompt: '',
  source: 'test',
  extra: {},
  ...(onRefusal === undefined ? {} : { onRefusal }),
});

const result = (fields: Record<string, unknown>) =>
  JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'Done: edited.', total_cost_usd: 0.01, usage: { input_tokens: 100, output_tokens: 20 }, ...fields });

const denied = result({
  permission_denials: [
    { tool_name: 'Write', tool_use_id: 't1', tool_input: { file_path: '/ws/new.txt', content: 'x' } },
    { tool_name: 'Bash', tool_use_id: 't2', tool_input: { command: 'npm test' } },
  ],
});

function thrown(run: () => unknown): EnsembleError {
  try {
    run();
  } catch (error) {
    return error as EnsembleError;
  }
  throw new Error('expected a throw');
}

describe('readCliOutput (issue 12)', () => {
  it('fails an answer whose tool calls were refused, naming them, the ceiling and the ways out; the spend is reported', () => {
    const spent: number[] = [];
    const error = thrown(() => readCliOutput(claude(), { stdout: denied, stderr: '', exitCode: 0, permissions: 'read' }, (usage) => void spent.push(usage.totalTokens)));
    expect(error.code).toBe('AGENT_PERMISSION_DENIED');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'agent "coder" was refused 2 tool calls under --permissions read: Write /ws/new.txt; Bash npm test ' +
        '(run with --permissions edit to allow more, or set onRefusal: warn in the agent file to accept the answer anyway)',
    );
    expect(error.details).toMatchObject({ permissions: 'read', output: 'Done: edited.' });
    expect(spent).toEqual([120]);
  });

  it('with onRefusal: warn keeps the answer and puts the refusals and the ceiling in the evidence', () => {
    const output = readCliOutput(claude('warn'), { stdout: denied, stderr: '', exitCode: 0, permissions: 'edit' });
    const outcome = applyCliOutput({ output: 'raw', evidence: { runtime: 'cli', permissions: 'edit' } }, output);
    expect(outcome).toMatchObject({ output: 'Done: edited.', costUsd: 0.01, evidence: { outputFormat: 'claude-json', permissions: 'edit' } });
    expect(outcome.evidence?.refusals).toEqual([
      { tool: 'Write', detail: '/ws/new.txt' },
      { tool: 'Bash', detail: 'npm test' },
    ]);
  });

  it('does not retry an auth failure, retries a transient one, strips colour codes and keeps the raw output in the details', () => {
    const auth = thrown(() =>
      readCliOutput(claude(), { stdout: result({ is_error: true, api_error_status: 401, result: '\u001b[31mInvalid API key\u001b[0m' }), stderr: '', exitCode: 1, permissions: 'edit' }),
    );
    expect(auth).toMatchObject({ code: 'AGENT_FAILED', retryable: false });
    expect(auth.message).toBe('agent "coder" reported an error: Invalid API key (an authentication error: check the key and base URL the agent receives; not retried)');
    expect(auth.details).toMatchObject({ category: 'auth', status: 401, exitCode: 1 });
    expect(String(auth.details?.stdoutTail)).toContain('"api_error_status":401');
    const transient = thrown(() =>
      readCliOutput(claude(), { stdout: result({ is_error: true, api_error_status: 529, result: 'API Error: 529 overloaded' }), stderr: '', exitCode: 1, permissions: 'edit' }),
    );
    expect(transient).toMatchObject({ code: 'AGENT_FAILED', retryable: true, details: { category: 'transient', status: 529 } });
  });

  it('keeps unreadable output as the raw text, saying why', () => {
    expect(readCliOutput(claude(), { stdout: 'plain words', stderr: '', exitCode: 0, permissions: 'edit' })).toEqual({
      format: 'claude-json',
      note: expect.stringMatching(/^output is not readable as claude-json \(not JSON/) as unknown as string,
    });
  });
});

describe('readCliOutput: refusals named once each (issue 12)', () => {
  it('counts repeats of the same refused call', () => {
    const twice = result({ permission_denials: [{ tool_name: 'Write', tool_input: {} }, { tool_name: 'Write', tool_input: {} }] });
    const error = thrown(() => readCliOutput(claude(), { stdout: twice, stderr: '', exitCode: 0, permissions: 'edit' }));
    expect(error.message).toContain('was refused 2 tool calls under --permissions edit: Write ×2 (run with --permissions full');
  });
});
