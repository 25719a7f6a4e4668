import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { openRunStore, type RunStore } from './index.js';
import { openTempStore } from '../../test/helpers/temp-folder.js';

let path: string;
let store: RunStore;

beforeEach(() => {
  const temp = openTempStore('ensemble-maintenance-log-', openRunStore);
  ({ path, store } = temp);
  return () => temp.remove(store);
});

describe('MaintenanceLog', () => {
  it('records an action as started with its request, then finished with its report, and reads it back', () => {
    const actionId = store.maintenance.start({ action: 'cleanup', host: 'host-a', pid: 4242, startedAt: 1_000, request: { dryRun: true } });
    expect(store.maintenance.get(actionId)).toEqual({ actionId, action: 'cleanup', host: 'host-a', pid: 4242, startedAt: 1_000, report: { dryRun: true } });
    store.maintenance.finish(actionId, { dryRun: true, removed: [{ kind: 'lease', subject: 'src/**' }] }, 2_000);
    expect(store.maintenance.get(actionId)).toEqual({
      actionId,
      action: 'cleanup',
      host: 'host-a',
      pid: 4242,
      startedAt: 1_000,
      finishedAt: 2_000,
      report: { dryRun: true, removed: [{ kind: 'lease', subject: 'src/**' }] },
    });
  });

  it('lists newest first, filtered by action and bounded by limit; survives reopening the file', () => {
    const first = store.maintenance.start({ action: 'stop-all', host: 'h', pid: 1, startedAt: 1 });
    const second = store.maintenance.start({ action: 'cleanup', host: 'h', pid: 2, startedAt: 2 });
    const third = store.maintenance.start({ action: 'stop-all', host: 'h', pid: 3, startedAt: 3 });
    store.close();
    store = openRunStore(path);
    expect(store.maintenance.list().map((action) => action.actionId)).toEqual([third, second, first]);
    expect(store.maintenance.list({ action: 'stop-all' }).map((action) => action.actionId)).toEqual([third, first]);
    expect(store.maintenance.list({ limit: 1 }).map((action) => action.actionId)).toEqual([third]);
  });

  it('refuses bad input naming the field, and an unknown action id', () => {
    expect(() => store.maintenance.start({ action: 'reboot' as 'cleanup', host: 'h', pid: 1, startedAt: 1 })).toThrow(/start\.action/);
    expect(() => store.maintenance.start({ action: 'cleanup', host: 'h', pid: 0, startedAt: 1 })).toThrow(/start\.pid/);
    expect(() => store.maintenance.list({ limit: 0 })).toThrow(/list\.limit/);
    expect(() => store.maintenance.finish(99, {}, 1)).toThrow(/no maintenance action 99/);
  });

  it('reports a row whose report is not JSON as JOURNAL_ERROR naming the action', () => {
    const actionId = store.maintenance.start({ action: 'cleanup', host: 'h', pid: 1, startedAt: 1 });
    const raw = new Database(path);
    try {
      raw.prepare('UPDATE maintenance_actions SET report_json = ? WHERE action_id = ?').run('{not json', actionId);
    } finally {
      raw.close();
    }
    expect(() => store.maintenance.get(actionId)).toThrow(new RegExp(`maintenance action ${actionId} report_json is not valid JSON`));
  });
});
