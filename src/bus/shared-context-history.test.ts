import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../core/index.js';
import { toSharedContextHistory } from './shared-context-history.js';

let seq = 0;
function update(key: string, value: string, version: number, taskId: string, agentName: string, at: number): RunEvent {
  return { type: 'context:update', runId: 'run-1', seq: ++seq, at, taskId, agentName, attempt: 1, key, value, version };
}

describe('toSharedContextHistory', () => {
  it('folds context:update events into every version of every key, saying who wrote each and when', () => {
    const events: RunEvent[] = [
      { type: 'workflow:start', runId: 'run-1', seq: ++seq, at: 1, workflowName: 'w', taskCount: 2, maxParallelAgents: 2, resumed: false, completedTaskCount: 0 },
      update('api-base', '/v1', 1, 'design', 'architect', 10),
      update('db', 'postgres', 1, 'design', 'architect', 11),
      update('api-base', '/v2', 2, 'review', 'reviewer', 20),
    ];
    const history = toSharedContextHistory(events);
    expect([...history.keys()]).toEqual(['api-base', 'db']);
    expect(history.get('api-base')).toEqual([
      { key: 'api-base', value: '/v1', version: 1, agentName: 'architect', taskId: 'design', at: 10 },
      { key: 'api-base', value: '/v2', version: 2, agentName: 'reviewer', taskId: 'review', at: 20 },
    ]);
    expect(history.get('db')).toEqual([{ key: 'db', value: 'postgres', version: 1, agentName: 'architect', taskId: 'design', at: 11 }]);
  });

  it('orders versions by number, keeps the last record of a version seen twice, and is empty without updates', () => {
    const history = toSharedContextHistory([update('k', 'b', 2, 't2', 'a2', 30), update('k', 'a', 1, 't1', 'a1', 20), update('k', 'b again', 2, 't3', 'a3', 40)]);
    expect(history.get('k')?.map((entry) => [entry.version, entry.value])).toEqual([
      [1, 'a'],
      [2, 'b again'],
    ]);
    expect(toSharedContextHistory([]).size).toBe(0);
  });
});
