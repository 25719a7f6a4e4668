import { describe, expect, it } from 'vitest';
import { RunEventFactory } from '../../../test/helpers/run-events.js';
import { createPalette } from '../format.js';
import { displayWidth } from '../terminal/index.js';
import { renderFrame } from './render-frame.js';

const plain = createPalette(false);
const colour = createPalette(true);

function runOf(taskCount: number, agentName = 'worker'): RunEventFactory {
  const events = new RunEventFactory();
  events.start(
    'demo',
    Array.from({ length: taskCount }, (_, index) => ({ id: `t${index}`, agentName, dependencies: index === 0 ? [] : ['t0'] })),
  );
  return events;
}

describe('the live frame', () => {
  it('shows each task with state, agent, live duration and tokens', () => {
    const events = runOf(2);
    events.begin('t0', 'worker', 1000);
    events.complete('t0', { duration: 1500, tokens: 1234 });
    events.begin('t1', 'worker', 2000);
    const frame = renderFrame(events.state, 4500, plain, { rows: 20 });
    expect(frame[0]).toBe('ensemble · demo · run-x');
    expect(frame[1]).toMatch(/✔ t0\s+worker\s+succeeded\s+1\.5s 1,234 tok/);
    expect(frame[2]).toMatch(/▶ t1\s+worker\s+running\s+2\.5s/);
    expect(frame.at(-1)).toContain('1/2 done · 1 running · 0 waiting');
  });

  it('shows the last line a running model is streaming, and starts over when the call restarts', () => {
    const events = runOf(1);
    events.begin('t0');
    events.apply('task:output', { taskId: 't0', agentName: 'worker', attempt: 1, delta: '# Plan\nStep one: read' });
    events.apply('task:output', { taskId: 't0', agentName: 'worker', attempt: 1, delta: ' the code' });
    expect(renderFrame(events.state, 2000, plain, { rows: 20 })[2]).toBe('      ↳ Step one: read the code');
    events.apply('task:output', { taskId: 't0', agentName: 'worker', attempt: 1, delta: 'Again', restart: true });
    expect(renderFrame(events.state, 2000, plain, { rows: 20 })[2]).toBe('      ↳ Again');
    events.complete('t0', { output: 'Again' });
    expect(renderFrame(events.state, 2000, plain, { rows: 20 }).some((line) => line.includes('↳'))).toBe(false);
  });

  it('keeps tall runs to the terminal: running and failed tasks first, then a count of the rest', () => {
    const events = runOf(50);
    events.begin('t40');
    const frame = renderFrame(events.state, 2000, plain, { rows: 8 });
    expect(frame.length).toBeLessThanOrEqual(7);
    expect(frame.filter((line) => line.includes('t40'))).toHaveLength(1);
    expect(frame).toContain(`  … ${50 - (frame.length - 3)} more tasks not shown`);
  });

  it('never draws more lines than the terminal has rows, streamed lines included', () => {
    const events = runOf(6);
    for (let index = 0; index < 6; index++) {
      events.begin(`t${index}`);
      events.apply('task:output', { taskId: `t${index}`, agentName: 'worker', attempt: 1, delta: `line of t${index}` });
    }
    for (const rows of [4, 6, 9, 20]) {
      const frame = renderFrame(events.state, 2000, plain, { rows });
      expect(frame.length).toBeLessThanOrEqual(rows - 1);
    }
    // With room to spare, every running task shows its streamed line.
    expect(renderFrame(events.state, 2000, plain, { rows: 30 }).filter((line) => line.includes('↳'))).toHaveLength(6);
  });

  // Issue 6: at 80 columns with agent `backend-security-coder` rows wrapped and the redraw garbled.
  for (const columns of [40, 80]) {
    it(`fits every row, the streamed line included, to ${columns} columns by display width`, () => {
      const events = new RunEventFactory();
      events.start('Security audit of the payments service, with a very long workflow name', [
        { id: 'scan-dependencies-for-known-vulnerabilities', agentName: 'backend-security-coder' },
        { id: 'review-authentication', agentName: 'backend-security-coder' },
        { id: '审查中文任务', agentName: 'backend-security-coder' },
      ]);
      events.begin('scan-dependencies-for-known-vulnerabilities', 'backend-security-coder', 1000);
      events.apply('task:output', {
        taskId: 'scan-dependencies-for-known-vulnerabilities',
        agentName: 'backend-security-coder',
        attempt: 1,
        delta: `Checking ${'中文 ✅ '.repeat(30)} lockfile entries against the advisory database`,
      });
      events.begin('review-authentication', 'backend-security-coder', 1000);
      events.fail('review-authentication', `token validation failed: ${'x'.repeat(200)}`);
      for (const palette of [plain, colour]) {
        const frame = renderFrame(events.state, 61_000, palette, { columns, rows: 24 });
        for (const line of frame) expect(displayWidth(line)).toBeLessThanOrEqual(columns - 1);
        // State and duration stay visible on the running row, even at 40 columns.
        expect(frame.find((line) => line.includes('▶'))).toMatch(/running/);
      }
    });
  }

  it("shows a provider wait on the task's row: rate limit with a countdown, an open circuit", () => {
    const events = runOf(2);
    events.begin('t0', 'worker', 1000);
    events.apply('provider:pause', { taskId: 't0', agentName: 'worker', attempt: 1, provider: 'anthropic', reason: 'rate-limited', waitMs: 12_000 }, 1000);
    expect(renderFrame(events.state, 1000, plain)[1]).toMatch(/▶ t0 .*running .* waiting: anthropic rate-limited 12s$/);
    expect(renderFrame(events.state, 6500, plain)[1]).toMatch(/waiting: anthropic rate-limited 7s$/);
    // Once the pause is over the call goes on: no stale "waiting".
    expect(renderFrame(events.state, 14_000, plain)[1]).not.toContain('waiting');

    events.begin('t1', 'worker', 1000);
    events.apply('provider:circuit', { taskId: 't1', agentName: 'worker', attempt: 1, provider: 'anthropic', state: 'open', failures: 5 }, 1000);
    expect(renderFrame(events.state, 2000, plain)[2]).toMatch(/▶ t1 .* anthropic circuit open after 5 failures$/);
    events.apply('provider:circuit', { taskId: 't1', agentName: 'worker', attempt: 1, provider: 'anthropic', state: 'closed' }, 3000);
    expect(renderFrame(events.state, 3000, plain)[2]).not.toContain('circuit');
  });

  it('strips escape sequences from streamed output and error messages (issue 6)', () => {
    const events = runOf(2);
    events.begin('t0');
    events.apply('task:output', { taskId: 't0', agentName: 'worker', attempt: 1, delta: 'ok\u001b]0;pwned\u0007 \u001b[2Jstill here' });
    events.fail('t1', 'bad \u001b[31mred\u001b[0m \u009b2J end');
    const frame = renderFrame(events.state, 2000, plain).join('\n');
    // eslint-disable-next-line no-control-regex
    expect(frame).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(frame).toContain('↳ ok still here');
    expect(frame).toContain('bad red  end');
  });

  it('draws a frame of a 20,000-task run well within the redraw interval (every 100 ms, on the event loop)', () => {
    // Sizing the columns measures every id and agent name: it used a grapheme segmenter for plain ASCII (≈ 0.5 s a frame).
    const events = runOf(20_000, 'backend-security-coder');
    renderFrame(events.state, 2000, plain, { columns: 80, rows: 40 });
    const startedAt = performance.now();
    const frame = renderFrame(events.state, 2000, plain, { columns: 80, rows: 40 });
    expect(performance.now() - startedAt).toBeLessThan(100);
    expect(frame).toHaveLength(39);
  });

  it('shows cancelled tasks and counts them', () => {
    const events = runOf(2);
    events.begin('t0', 'worker', 1000);
    events.apply('task:cancelled', { taskId: 't0', agentName: 'worker', reason: 'cancelled', attempt: 1, duration: 300, usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, costUsd: 0 });
    events.apply('task:cancelled', { taskId: 't1', agentName: 'worker', reason: 'run-timeout', usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, costUsd: 0 });
    const frame = renderFrame(events.state, 2000, plain);
    expect(frame[1]).toMatch(/⊘ t0\s+worker\s+cancelled\s+300ms 3 tok \(run cancelled\)/);
    expect(frame[2]).toMatch(/⊘ t1\s+worker\s+cancelled\s+- \(run timed out\)/);
    expect(frame.at(-1)).toContain('2 cancelled');
  });

  it('shows the tool call a running task is in, sanitised and cut to the width, and its count once it ends (issue 7)', () => {
    const events = runOf(1);
    events.begin('t0');
    const tool = { taskId: 't0', agentName: 'worker', attempt: 1, callId: 'c1', tool: 'Read' };
    events.apply('agent:tool', { ...tool, state: 'start', input: 'src/app.ts\u001b[2J' });
    expect(renderFrame(events.state, 2000, plain, { rows: 20 })[1]).toMatch(/▶ t0\s+worker\s+running\s+\S+ ⚙ Read src\/app\.ts$/);
    events.apply('agent:tool', { ...tool, callId: 'c2', tool: 'Grep', state: 'start', input: 'TODO' });
    expect(renderFrame(events.state, 2000, plain, { rows: 20 })[1]).toMatch(/⚙ Grep TODO \(\+1\)$/);
    for (const width of [30, 50]) {
      for (const line of renderFrame(events.state, 2000, colour, { columns: width, rows: 20 })) expect(displayWidth(line)).toBeLessThanOrEqual(width - 1);
    }
    events.apply('agent:tool', { ...tool, state: 'end', input: 'src/app.ts', ok: true, resultChars: 10, durationMs: 1 });
    events.apply('agent:tool', { ...tool, callId: 'c2', tool: 'Grep', state: 'end', input: 'TODO', ok: false, error: 'bad pattern' });
    expect(renderFrame(events.state, 2000, plain, { rows: 20 })[1]).not.toContain('⚙');
    events.complete('t0', { duration: 1500 });
    expect(renderFrame(events.state, 2000, plain, { rows: 20 })[1]).toMatch(/succeeded\s+1\.5s · 2 tool calls \(1 failed\)$/);
  });
});
