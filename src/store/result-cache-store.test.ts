import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { openRunStore, type ResultCacheEntryInput, type RunStore } from './index.js';
import { openTempStore } from '../../test/helpers/temp-folder.js';

let store: RunStore;
let path: string;

beforeEach(() => {
  const temp = openTempStore('ensemble-result-cache-', openRunStore);
  store = temp.store;
  path = temp.path;
  return () => temp.remove(store);
});

const keyOf = (text: string): string => createHash('sha256').update(text).digest('hex');

function entry(name: string, overrides: Partial<ResultCacheEntryInput> = {}): ResultCacheEntryInput {
  return {
    key: keyOf(name),
    agentName: 'code-reviewer',
    model: 'openai:gpt-4.1',
    workspace: '/work/project',
    runId: 'r-1',
    taskId: name,
    output: `review of ${name}`,
    tokensUsed: 1234,
    costUsd: 0.01,
    ttlMs: 60_000,
    ...overrides,
  };
}

describe('result cache store', () => {
  it('serves an entry until it expires, only in its own workspace, and purges it once expired', () => {
    store.resultCache.put(entry('a'), 1_000);
    expect(store.resultCache.lookup(keyOf('a'), '/work/project', 1_000)).toMatchObject({ output: 'review of a', runId: 'r-1', taskId: 'a', tokensUsed: 1234, createdAt: 1_000, expiresAt: 61_000, hits: 0 });
    expect(store.resultCache.lookup(keyOf('a'), '/work/project', 60_999)?.output).toBe('review of a');
    // Another workspace never gets it, even under the same key.
    expect(store.resultCache.lookup(keyOf('a'), '/work/other', 2_000)).toBeUndefined();
    expect(store.resultCache.lookup(keyOf('a'), '/work/project', 61_000)).toBeUndefined();
    // The expired row was deleted by that lookup.
    expect(store.resultCache.clear({}, 0)).toBe(0);
  });

  it('counts hits and replaces an entry stored again under its key (concurrent identical tasks)', () => {
    store.resultCache.put(entry('a'), 1_000);
    store.resultCache.recordHit(keyOf('a'), 2_000);
    store.resultCache.recordHit(keyOf('a'), 3_000);
    expect(store.resultCache.lookup(keyOf('a'), '/work/project', 3_000)).toMatchObject({ hits: 2, lastHitAt: 3_000 });
    store.resultCache.put(entry('a', { runId: 'r-2', output: 'second' }), 4_000);
    expect(store.resultCache.lookup(keyOf('a'), '/work/project', 4_000)).toMatchObject({ runId: 'r-2', output: 'second', hits: 0, createdAt: 4_000 });
    expect(store.resultCache.list({}, 4_000)).toHaveLength(1);
  });

  it('lists live entries newest first without their outputs, per agent, and clears per agent or only expired ones', () => {
    store.resultCache.put(entry('a', { ttlMs: 1_000 }), 1_000);
    store.resultCache.put(entry('b', { agentName: 'security-auditor' }), 2_000);
    store.resultCache.put(entry('c'), 3_000);
    const listed = store.resultCache.list({}, 3_000);
    expect(listed.map((listedEntry) => listedEntry.taskId)).toEqual(['c', 'b']);
    expect(listed.every((listedEntry) => listedEntry.output === '')).toBe(true);
    expect(store.resultCache.list({ agentName: 'security-auditor' }, 3_000).map((listedEntry) => listedEntry.taskId)).toEqual(['b']);
    // `a` expired at 2_000, but the put at 2_000 purged it already (lazily, on write).
    expect(store.resultCache.clear({ expiredOnly: true }, 3_000)).toBe(0);
    store.resultCache.put(entry('d', { ttlMs: 10 }), 3_000);
    expect(store.resultCache.clear({ expiredOnly: true }, 3_010)).toBe(1);
    expect(store.resultCache.clear({ agentName: 'security-auditor' }, 3_010)).toBe(1);
    expect(store.resultCache.list({}, 3_010).map((listedEntry) => listedEntry.taskId)).toEqual(['c']);
    expect(store.resultCache.clear({}, 3_010)).toBe(1);
  });

  it('refuses bad input naming the field', () => {
    expect(() => store.resultCache.put(entry('a', { key: 'not-a-hash' }), 1)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('entry.key') }));
    expect(() => store.resultCache.put(entry('a', { ttlMs: 0 }), 1)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('entry.ttlMs') }));
    expect(() => store.resultCache.list({ agentName: 'no such/agent' }, 1)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('filter.agentName') }));
  });

  it('reports a corrupt row as a journal error instead of serving it', () => {
    store.resultCache.put(entry('a'), 1_000);
    const raw = new Database(path);
    try {
      raw.prepare("UPDATE result_cache SET tokens_used = 'many'").run();
    } finally {
      raw.close();
    }
    expect(() => store.resultCache.lookup(keyOf('a'), '/work/project', 1_000)).toThrow(expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringContaining('result cache row') }));
  });

  it('two connections to one file storing the same keys at once keep one row per key', () => {
    const other = openRunStore(path);
    try {
      for (let round = 0; round < 200; round++) {
        const writer = round % 2 === 0 ? store : other;
        writer.resultCache.put(entry(`k${round % 10}`, { runId: `r-${round}` }), 1_000 + round);
        (round % 2 === 0 ? other : store).resultCache.recordHit(keyOf(`k${round % 10}`), 1_000 + round);
      }
      const listed = store.resultCache.list({}, 2_000);
      expect(listed).toHaveLength(10);
      expect(new Set(listed.map((listedEntry) => listedEntry.key)).size).toBe(10);
    } finally {
      other.close();
    }
  });
});
