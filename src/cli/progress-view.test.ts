import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../core/index.js';
import { createPalette } from './format.js';
import { renderFrame, renderSummary } from './progress-view.js';
import { RunProgress } from './run-progress.js';

const plain = createPalette(false);
let seq = 0;
const event = (partial: Record<string, unknown>): RunEvent => ({ runId: 'run-x', seq: ++seq, at: 1000, ...partial }) as unknown as RunEvent;

function progressOf(taskCount: number): RunProgress {
  const progress = new RunProgress();
  progress.apply(event({ type: 'workflow:start', workflowName: 'demo', taskCount, maxParallelAgents: 2, resumed: false, completedTaskCount: 0 }));
  for (let index = 0; index < taskCount; index++) {
    progress.apply(event({ type: 'task:added', taskId: `t${index}`, agentName: 'worker', description: '', dependencies: index === 0 ? [] : ['t0'], priority: 5 }));
  }
  return progress;
}

describe('terminal progress view', () => {
  it('shows each task with state, agent, live duration and tokens', () => {
    const progress = progressOf(2);
    progress.apply(event({ type: 'task:start', taskId: 't0', agentName: 'worker', description: '', attempt: 1, at: 1000 }));
    progress.apply(event({ type: 'task:complete', taskId: 't0', agentName: 'worker', duration: 1500, tokensUsed: 1234, usage: {}, costUsd: 0, attempt: 1, output: 'x' }));
    progress.apply(event({ type: 'task:start', taskId: 't1', agentName: 'worker', description: '', attempt: 1, at: 2000 }));
    const frame = renderFrame(progress, 4500, plain, 20);
    expect(frame[0]).toBe('ensemble · demo · run-x');
    expect(frame[1]).toMatch(/✔ t0\s+worker\s+succeeded\s+1\.5s 1,234 tok/);
    expect(frame[2]).toMatch(/▶ t1\s+worker\s+running\s+2\.5s/);
    expect(frame.at(-1)).toContain('1/2 done · 1 running · 0 waiting');
  });

  it("shows the last line a running model is streaming, and starts over when the call restarts", () => {
    const progress = progressOf(1);
    progress.apply(event({ type: 'task:start', taskId: 't0', agentName: 'worker', description: '', attempt: 1 }));
    progress.apply(event({ type: 'task:output', taskId: 't0', agentName: 'worker', attempt: 1, delta: '# Plan\nStep one: read' }));
    progress.apply(event({ type: 'task:output', taskId: 't0', agentName: 'worker', attempt: 1, delta: ' the code' }));
    expect(renderFrame(progress, 2000, plain, 20)[2]).toBe('      ↳ Step one: read the code');
    progress.apply(event({ type: 'task:output', taskId: 't0', agentName: 'worker', attempt: 1, delta: 'Again', restart: true }));
    expect(renderFrame(progress, 2000, plain, 20)[2]).toBe('      ↳ Again');
    progress.apply(event({ type: 'task:complete', taskId: 't0', agentName: 'worker', duration: 5, tokensUsed: 1, usage: {}, costUsd: 0, attempt: 1, output: 'Again' }));
    expect(renderFrame(progress, 2000, plain, 20).some((line) => line.includes('↳'))).toBe(false);
  });

  it('keeps tall runs to the terminal: running and failed tasks first, then a count of the rest', () => {
    const progress = progressOf(50);
    progress.apply(event({ type: 'task:start', taskId: 't40', agentName: 'worker', description: '', attempt: 1 }));
    const frame = renderFrame(progress, 2000, plain, 5);
    expect(frame.filter((line) => line.includes('t40'))).toHaveLength(1);
    expect(frame).toContain('  … 45 more tasks not shown');
  });

  it('summarises failures, the budget cap that stopped a task, and how to resume', () => {
    const progress = progressOf(2);
    progress.apply(event({ type: 'task:error', taskId: 't0', agentName: 'worker', duration: 5, attempt: 1, error: { code: 'BUDGET_EXCEEDED', message: 'over the cap', retryable: false } }));
    progress.apply(event({ type: 'task:skipped', taskId: 't1', agentName: 'worker', reason: 'dependency-failed', blockedBy: 't0' }));
    progress.apply(
      event({
        type: 'workflow:complete',
        status: 'failed',
        summary: { totalTasks: 2, successfulTasks: 0, failedTasks: 1, skippedTasks: 1, totalTokens: 0, totalCost: 0, totalDuration: 20, budgetStops: [{ taskId: 't0', cap: 'agent', name: 'worker' }] },
      }),
    );
    const lines = renderSummary(progress, plain);
    expect(lines).toContain('✖ t0 (worker) failed: BUDGET_EXCEEDED');
    expect(lines).toContain('failed  0/2 tasks succeeded, 1 failed, 1 skipped · 0 tokens · $0 · 20ms');
    expect(lines).toContain('budget: t0 was stopped by the agent budget of "worker"');
    expect(lines.at(-1)).toBe('run run-x · resume with: ensemble resume run-x');
  });
});
