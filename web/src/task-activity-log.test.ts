import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/index.js';
import { TaskActivityLog } from './task-activity-log.js';

let seq = 0;
function event(payload: Record<string, unknown>): RunEvent {
  seq++;
  return { runId: 'run-1', seq, at: 1000 + seq, taskId: 'review', agentName: 'code-reviewer', attempt: 1, ...payload } as unknown as RunEvent;
}

describe('TaskActivityLog', () => {
  it('keeps the whole stream of the latest attempt: deltas add up, a restart starts over, a new attempt clears it', () => {
    const log = new TaskActivityLog();
    log.record(event({ type: 'task:start', description: 'Review', attempt: 1 }));
    log.record(event({ type: 'task:output', delta: 'First line\n' }));
    log.record(event({ type: 'task:output', delta: 'x'.repeat(1000) }));
    expect(log.get('review').streamedText).toBe(`First line\n${'x'.repeat(1000)}`);
    log.record(event({ type: 'task:output', delta: 'Again', restart: true }));
    expect(log.get('review').streamedText).toBe('Again');
    log.record(event({ type: 'task:start', description: 'Review', attempt: 2 }));
    expect(log.get('review').streamedText).toBe('');
  });

  it('records each ended tool call with its outcome, across attempts, and not the starts', () => {
    const log = new TaskActivityLog();
    log.record(event({ type: 'agent:tool', callId: 'c1', tool: 'Read', state: 'start', input: 'src/cart.ts' }));
    expect(log.get('review').toolCalls).toEqual([]);
    log.record(event({ type: 'agent:tool', callId: 'c1', tool: 'Read', state: 'end', input: 'src/cart.ts', ok: true, durationMs: 3, resultChars: 120 }));
    log.record(event({ type: 'agent:tool', callId: 'c2', tool: 'Bash', state: 'end', input: 'rm -rf /', ok: false, error: 'refused', attempt: 2 }));
    expect(log.get('review').toolCalls.map(({ tool, ok, attempt, error }) => ({ tool, ok, attempt, error }))).toEqual([
      { tool: 'Read', ok: true, attempt: 1, error: undefined },
      { tool: 'Bash', ok: false, attempt: 2, error: 'refused' },
    ]);
    expect(log.get('other-task')).toEqual({ streamedText: '', toolCalls: [] });
  });
});
