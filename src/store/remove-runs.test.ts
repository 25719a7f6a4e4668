import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { runConfigSchema, taskSpecSchema, type RunStatus } from '../core/index.js';
import { openRunStore, type RunStore } from './index.js';
import { openTempStore } from '../../test/helpers/temp-folder.js';

let path: string;
let store: RunStore;

beforeEach(() => {
  const temp = openTempStore('ensemble-remove-', openRunStore);
  ({ path, store } = temp);
  return () => temp.remove(store);
});

const MB = 1_048_576;
const alive = (): boolean => true;
const gone = (): boolean => false;

/** A run with one finished task whose output is `outputBytes` long, created at `createdAt`, left in `status`. */
function addRun(runId: string, createdAt: number, status: RunStatus, outputBytes = 10): void {
  store.createRun({
    runId,
    workflowName: 'w',
    spec: { tasks: [taskSpecSchema.parse({ id: 't', agentName: 'a' })], config: runConfigSchema.parse({}), parameters: {} },
    owner: { pid: 1, host: 'h' },
    createdAt,
  });
  let seq = 1;
  const envelope = () => ({ runId, seq: seq++, at: createdAt });
  store.journalFor(runId).append([
    { type: 'workflow:start', ...envelope(), workflowName: 'w', taskCount: 1, maxParallelAgents: 1, resumed: false, completedTaskCount: 0 },
    { type: 'task:added', ...envelope(), taskId: 't', agentName: 'a', description: '', dependencies: [], priority: 5 },
    { type: 'task:complete', ...envelope(), taskId: 't', agentName: 'a', duration: 1, tokensUsed: 0, usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, costUsd: 0, attempt: 1, output: 'o'.repeat(outputBytes) },
  ]);
  if (status !== 'running') store.markRunStatus(runId, status);
}

function count(table: string): number {
  const raw = new Database(path, { readonly: true });
  try {
    return raw.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  } finally {
    raw.close();
  }
}

describe('removing runs (runs rm / runs prune)', () => {
  it('removes a run with its events, task rows and stored outputs, and leaves the others whole', () => {
    addRun('keep', 1, 'succeeded', 6_000);
    addRun('drop', 2, 'failed', 6_000);
    expect(store.removeRun('drop', alive)).toEqual({ runId: 'drop', workflowName: 'w', status: 'failed', createdAt: 2 });
    expect(store.getRun('drop')).toBeUndefined();
    expect(store.readEvents('drop')).toEqual([]);
    expect(store.listTasks('drop')).toEqual([]);
    expect(count('contents')).toBe(1);
    expect(store.readEvents('keep')).toHaveLength(3);
    expect(store.listTasks('keep')[0]?.output).toHaveLength(6_000);
    expect(() => store.removeRun('drop', alive)).toThrow(expect.objectContaining({ code: 'UNKNOWN_RUN' }));
  });

  it('refuses a run that is running under a live owner, and removes one whose owner is gone', () => {
    addRun('live', 1, 'running');
    expect(() => store.removeRun('live', alive)).toThrow(expect.objectContaining({ code: 'RUN_ACTIVE', message: expect.stringContaining('cancel it first') }));
    expect(store.getRun('live')).toBeDefined();
    expect(store.removeRun('live', gone).runId).toBe('live');
  });

  it('selects runs to prune by age, status and how many newest to keep, never a live one', () => {
    const day = 86_400_000;
    const now = 100 * day;
    addRun('old-ok', now - 30 * day, 'succeeded');
    addRun('old-failed', now - 20 * day, 'failed');
    addRun('old-live', now - 10 * day, 'running');
    addRun('new-ok', now - day, 'succeeded');
    const ids = (criteria: Parameters<RunStore['selectRunsToPrune']>[0], judge = alive) => store.selectRunsToPrune({ now, ...criteria }, judge).map((run) => run.runId);
    expect(ids({ olderThanMs: 7 * day })).toEqual(['old-failed', 'old-ok']);
    expect(ids({ olderThanMs: 7 * day }, gone)).toEqual(['old-live', 'old-failed', 'old-ok']);
    expect(ids({ status: 'succeeded' })).toEqual(['new-ok', 'old-ok']);
    expect(ids({ keep: 1 })).toEqual(['old-failed', 'old-ok']);
    expect(ids({ keep: 1, status: 'succeeded' })).toEqual(['old-ok']);
    expect(ids({ keep: 2, olderThanMs: 25 * day })).toEqual(['old-ok']);
  });

  it('gives the space of removed runs back to the file system', () => {
    addRun('big', 1, 'succeeded', 6 * MB);
    addRun('small', 2, 'succeeded', 10);
    store.close();
    const before = statSync(path).size;
    store = openRunStore(path);
    store.removeRun('big', alive);
    expect(store.reclaimSpace(alive)).toMatchObject({ vacuum: 'incremental', freedBytes: expect.any(Number) });
    store.close();
    expect(before).toBeGreaterThan(6 * MB);
    expect(statSync(path).size).toBeLessThan(MB);
    store = openRunStore(path);
    expect(store.listTasks('small')[0]?.output).toBe('o'.repeat(10));
  });

  it('vacuums a journal made before incremental vacuum only when no run is live, and switches it to incremental', () => {
    store.close();
    const legacy = new Database(path);
    legacy.pragma('auto_vacuum = NONE');
    legacy.exec('VACUUM');
    legacy.close();
    store = openRunStore(path);
    addRun('big', 1, 'succeeded', 3 * MB);
    addRun('live', 2, 'running');
    store.removeRun('big', alive);
    expect(store.reclaimSpace(alive).vacuum).toBe('deferred');
    expect(store.reclaimSpace(gone)).toMatchObject({ vacuum: 'full', freedBytes: expect.any(Number) });
    store.close();
    expect(statSync(path).size).toBeLessThan(MB);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('auto_vacuum', { simple: true })).toBe(2);
    raw.close();
    store = openRunStore(path);
  });
});
