import { describe, expect, it } from 'vitest';
import { RunEventFactory } from '../../../test/helpers/run-events.js';
import { createPalette } from '../format.js';
import type { TerminalOutput } from '../terminal/index.js';
import { LineProgressView } from './line-progress-view.js';
import { renderSummary } from './render-summary.js';

const plain = createPalette(false);

function recordingOutput(): TerminalOutput & { readonly text: () => string } {
  let written = '';
  return {
    write: (text) => void (written += text),
    isTTY: false,
    columns: undefined,
    rows: undefined,
    isClosed: false,
    onResize: () => () => {},
    text: () => written,
  };
}

describe('the line view (logs and pipes)', () => {
  it('prints one line per step, and says why a task waits on its provider', () => {
    const events = new RunEventFactory();
    const output = recordingOutput();
    const view = new LineProgressView(events.state, output, plain);
    const show = (event: ReturnType<RunEventFactory['apply']>): void => view.onEvent(event);
    events.start('demo', [{ id: 't0' }]);
    show(events.begin('t0'));
    show(events.apply('agent:invoke', { taskId: 't0', agentName: 'worker', model: 'claude-sonnet-4-5', runtime: 'llm', attempt: 1 }));
    show(
      events.apply('provider:pause', {
        taskId: 't0',
        agentName: 'worker',
        attempt: 1,
        provider: 'anthropic',
        reason: 'rate-limited',
        waitMs: 12_000,
        error: { code: 'PROVIDER_RATE_LIMITED', message: 'anthropic answered 429 (claude-sonnet-4-5)', retryable: true },
      }),
    );
    show(events.apply('provider:circuit', { taskId: 't0', agentName: 'worker', attempt: 1, provider: 'anthropic', state: 'open', failures: 5 }));
    show(events.apply('provider:circuit', { taskId: 't0', agentName: 'worker', attempt: 1, provider: 'anthropic', state: 'closed' }));
    show(events.complete('t0', { duration: 1500, tokens: 42 }));
    const lines = output.text().split('\n');
    expect(lines).toContain('▶ t0 (worker, llm)');
    expect(lines).toContain('⏸ t0 waiting: anthropic rate-limited 12s (PROVIDER_RATE_LIMITED: anthropic answered 429 (claude-sonnet-4-5))');
    expect(lines).toContain('⚡ t0 anthropic circuit open after 5 failures');
    expect(lines).toContain('⚡ t0 anthropic circuit closed');
    expect(lines.some((line) => /^✔ t0\s+worker\s+succeeded\s+1\.5s 42 tok$/.test(line))).toBe(true);
  });

  it('strips escape sequences from agent text it prints (issue 6)', () => {
    const events = new RunEventFactory();
    const output = recordingOutput();
    const view = new LineProgressView(events.state, output, plain);
    events.start('demo', [{ id: 't0' }]);
    view.onEvent(events.fail('t0', 'exit 1: \u001b]0;pwned\u0007\u001b[2Jgone'));
    // eslint-disable-next-line no-control-regex
    expect(output.text()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(output.text()).toContain('exit 1: gone');
  });
});

describe('the line view: tool calls (issue 7)', () => {
  it('prints a failed tool call with its error, and stays quiet about calls that succeed', () => {
    const events = new RunEventFactory();
    const output = recordingOutput();
    const view = new LineProgressView(events.state, output, plain);
    events.start('demo', [{ id: 't0' }]);
    view.onEvent(events.begin('t0'));
    const tool = { taskId: 't0', agentName: 'worker', attempt: 1 } as const;
    for (const event of [
      events.apply('agent:tool', { ...tool, callId: 'c1', tool: 'Read', state: 'start', input: 'src/app.ts' }),
      events.apply('agent:tool', { ...tool, callId: 'c1', tool: 'Read', state: 'end', input: 'src/app.ts', ok: true, resultChars: 40, durationMs: 2 }),
      events.apply('agent:tool', { ...tool, callId: 'c2', tool: 'Edit', state: 'start', input: 'src/app.ts' }),
      events.apply('agent:tool', { ...tool, callId: 'c2', tool: 'Edit', state: 'end', input: 'src/app.ts', ok: false, error: 'old_string not found\nsecond line' }),
    ]) {
      view.onEvent(event);
    }
    const lines = output.text().trimEnd().split('\n');
    expect(lines.filter((line) => line.includes('Read'))).toEqual([]);
    expect(lines.at(-1)).toBe('⚙ t0 Edit src/app.ts failed: old_string not found');
  });
});

describe('the line view: agent messages and run warnings (issue 8)', () => {
  it('prints a line per message (sender → recipient, its type when it asks or answers, the first line) and per warning, sanitised', () => {
    const events = new RunEventFactory();
    const output = recordingOutput();
    const view = new LineProgressView(events.state, output, plain);
    events.start('demo', [{ id: 'design', agentName: 'architect' }]);
    view.onEvent(events.begin('design', 'architect'));
    const message = { taskId: 'design', agentName: 'architect', from: 'architect', attempt: 1 } as const;
    view.onEvent(events.apply('agent:message', { ...message, to: 'frontend', messageType: 'data', content: 'Use /api/v2.', messageId: 'm1' }));
    view.onEvent(events.apply('agent:message', { ...message, to: 'tester', messageType: 'request', content: '\n\nWhich suite first?\nDetails follow.', messageId: 'm2' }));
    view.onEvent(events.apply('agent:message', { ...message, to: '*', messageType: 'broadcast', content: 'Freeze \u001b]0;pwned\u0007\u001b[2Jnow', messageId: 'm3' }));
    view.onEvent(events.apply('agent:message', { ...message, to: 'x', messageType: 'data', content: 'y'.repeat(300), messageId: 'm4' }));
    view.onEvent(events.apply('run:warning', { code: 'MESSAGE_UNKNOWN_RECIPIENT', message: 'task "design" (architect) sent a message to "ghost", which is no agent or task of this run', taskId: 'design', agentName: 'architect' }));
    view.onEvent(events.apply('run:warning', { code: 'MESSAGES_DISABLED', message: 'agent messages are off' }));
    const lines = output.text().trimEnd().split('\n');
    expect(lines).toEqual([
      '✉ architect → frontend: Use /api/v2.',
      '✉ architect → tester (request): Which suite first? …',
      '✉ architect → *: Freeze now',
      `✉ architect → x: ${'y'.repeat(159)}…`,
      '⚠ design: task "design" (architect) sent a message to "ghost", which is no agent or task of this run',
      '⚠ warning: agent messages are off',
    ]);
  });
});

describe('the summary', () => {
  it('summarises failures, cancelled tasks, the budget cap that stopped a task, and how to resume', () => {
    const events = new RunEventFactory();
    events.start('demo', [{ id: 't0' }, { id: 't1', dependencies: ['t0'] }, { id: 't2' }]);
    events.fail('t0', 'over the cap', 'BUDGET_EXCEEDED');
    events.apply('task:skipped', { taskId: 't1', agentName: 'worker', reason: 'dependency-failed', blockedBy: 't0' });
    events.apply('task:cancelled', { taskId: 't2', agentName: 'worker', reason: 'cancelled', usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, costUsd: 0 });
    events.apply('workflow:complete', {
      status: 'failed',
      summary: {
        totalTasks: 3,
        successfulTasks: 0,
        failedTasks: 1,
        skippedTasks: 1,
        cancelledTasks: 1,
        totalTokens: 0,
        totalCost: 0,
        totalDuration: 20,
        toolCalls: 0, contextTokens: 0,
        budgetStops: [{ taskId: 't0', cap: 'agent', name: 'worker' }],
      },
    });
    const lines = renderSummary(events.state, plain);
    expect(lines).toContain('✖ t0 (worker) failed: BUDGET_EXCEEDED');
    expect(lines).toContain('failed  0/3 tasks succeeded, 1 failed, 1 skipped, 1 cancelled · 0 tokens · $0 · 20ms');
    expect(lines).toContain('budget: t0 was stopped by the agent budget of "worker"');
    expect(lines.at(-1)).toBe('run run-x · resume with: ensemble resume run-x');
  });

  it('prints the final outputs of a successful run, sanitised', () => {
    const events = new RunEventFactory();
    events.start('demo', [{ id: 'a' }, { id: 'b', dependencies: ['a'] }]);
    events.complete('a', { output: 'intermediate' });
    events.complete('b', { output: 'final \u001b]0;title\u0007answer\nsecond line' });
    events.apply('workflow:complete', {
      status: 'succeeded',
      summary: { totalTasks: 2, successfulTasks: 2, failedTasks: 0, skippedTasks: 0, cancelledTasks: 0, totalTokens: 0, totalCost: 0, totalDuration: 20, toolCalls: 0, contextTokens: 0 },
    });
    const lines = renderSummary(events.state, plain, { outputLines: 40 });
    expect(lines).toContain('succeeded  2/2 tasks succeeded · 0 tokens · $0 · 20ms');
    expect(lines).toContain('── b (worker) ──');
    expect(lines).toContain('final answer');
    expect(lines).not.toContain('── a (worker) ──');
  });

  it('counts the tool calls of the run, failed ones too (issue 7)', () => {
    const events = new RunEventFactory();
    events.start('demo', [{ id: 'a' }]);
    events.begin('a');
    const tool = { taskId: 'a', agentName: 'worker', attempt: 1, tool: 'Bash', input: 'npm test' } as const;
    events.apply('agent:tool', { ...tool, callId: 'c1', state: 'end', ok: true });
    events.apply('agent:tool', { ...tool, callId: 'c2', state: 'end', ok: false, error: 'exit 1' });
    events.complete('a', { output: 'done' });
    events.apply('workflow:complete', {
      status: 'succeeded',
      summary: { totalTasks: 1, successfulTasks: 1, failedTasks: 0, skippedTasks: 0, cancelledTasks: 0, totalTokens: 0, totalCost: 0, totalDuration: 20, toolCalls: 2, contextTokens: 0 },
    });
    expect(renderSummary(events.state, plain)).toContain('succeeded  1/1 tasks succeeded · 0 tokens · 2 tool calls (1 failed) · $0 · 20ms');
  });
});
