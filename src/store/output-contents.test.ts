import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { runConfigSchema, taskSpecSchema, type EventPayloads, type RunEvent, type RunEventType } from '../core/index.js';
import { INLINE_OUTPUT_LIMIT, openRunStore, type RunStore } from './index.js';
import { openTempStore } from '../../test/helpers/temp-folder.js';

let path: string;
let store: RunStore;

beforeEach(() => {
  const temp = openTempStore('ensemble-contents-', openRunStore);
  ({ path, store } = temp);
  return () => temp.remove(store);
});

const MB = 1_048_576;
const ZERO = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

function writer(runId: string): <T extends RunEventType>(type: T, payload: EventPayloads[T]) => RunEvent {
  let seq = 1;
  return (type, payload) => ({ type, runId, seq: seq++, at: 1_000 + seq, ...payload }) as unknown as RunEvent;
}

/** A run of two tasks whose outputs are `outputs`, journaled the way the scheduler does: completions, then results. */
function journalRun(runId: string, outputs: readonly [string, string]): RunEvent[] {
  store.createRun({
    runId,
    workflowName: 'big outputs',
    spec: { tasks: ['one', 'two'].map((id) => taskSpecSchema.parse({ id, agentName: 'a' })), config: runConfigSchema.parse({}), parameters: {} },
    owner: { pid: 1, host: 'h' },
    createdAt: 1_000,
  });
  const event = writer(runId);
  const events = [
    event('workflow:start', { workflowName: 'big outputs', taskCount: 2, maxParallelAgents: 2, resumed: false, completedTaskCount: 0 }),
    ...(['one', 'two'] as const).map((taskId) => event('task:added', { taskId, agentName: 'a', description: '', dependencies: [], priority: 5 })),
    ...(['one', 'two'] as const).map((taskId, index) =>
      event('task:complete', { taskId, agentName: 'a', duration: 5, tokensUsed: 0, usage: ZERO, costUsd: 0, attempt: 1, output: outputs[index]! }),
    ),
    event('workflow:results', {
      results: (['one', 'two'] as const).map((taskId, index) => ({
        taskId,
        agentName: 'a',
        status: 'succeeded' as const,
        output: outputs[index]!,
        attempts: 1,
        durationMs: 5,
        tokensUsed: 0,
        costUsd: 0,
      })),
    }),
  ];
  const journal = store.journalFor(runId);
  for (const batch of events) journal.append([batch]);
  return events;
}

describe('outputs are stored once (issue 6: two 50 MB outputs made a 315 MB journal)', () => {
  it('keeps two large outputs at about one copy each on disk, and gives them back whole', () => {
    const outputs = ['a'.repeat(4 * MB), 'b'.repeat(4 * MB)] as const;
    const events = journalRun('run-1', outputs);
    expect(store.readEvents('run-1')).toEqual(events);
    expect(store.listTasks('run-1').map((task) => task.output?.length)).toEqual([4 * MB, 4 * MB]);
    expect(store.completedTasks('run-1').get('two')?.output).toBe(outputs[1]);
    store.close();
    // Three copies each (event, task row, results) would be 24 MB.
    expect(statSync(path).size).toBeLessThan(8 * MB * 1.15);
    expect(statSync(path).size).toBeGreaterThan(8 * MB);
  });

  it('keeps short outputs inline and stores a large one in the contents table, referenced from the event and the task row', () => {
    journalRun('run-1', ['short', 'x'.repeat(INLINE_OUTPUT_LIMIT + 1)]);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT COUNT(*) FROM contents').pluck().get()).toBe(1);
      const rows = raw.prepare("SELECT task_id, output, output_content_id FROM tasks WHERE run_id = 'run-1' ORDER BY ordinal").all();
      expect(rows).toEqual([
        { task_id: 'one', output: 'short', output_content_id: null },
        { task_id: 'two', output: null, output_content_id: expect.any(Number) },
      ]);
      const stored = raw.prepare("SELECT event_json FROM events WHERE type = 'workflow:results'").pluck().get() as string;
      expect(stored.length).toBeLessThan(1_000);
    } finally {
      raw.close();
    }
    expect(store.readEvents('run-1').at(-1)).toMatchObject({ results: [{ output: 'short' }, { output: 'x'.repeat(INLINE_OUTPUT_LIMIT + 1) }] });
  });

  it('reports a missing stored output as JOURNAL_ERROR naming the run', () => {
    journalRun('run-1', ['short', 'y'.repeat(INLINE_OUTPUT_LIMIT * 2)]);
    const raw = new Database(path);
    raw.prepare('DELETE FROM contents').run();
    raw.close();
    expect(() => store.readEvents('run-1')).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringContaining('run "run-1" refers to stored output') }));
  });
});
