import { beforeEach, describe, expect, it } from 'vitest';
import { openMemoryStore, type MemoryStore } from './memory-store.js';
import { openRunStore } from './run-store.js';
import { openTempStore } from '../../test/helpers/temp-folder.js';

let path: string;
let store: MemoryStore;

beforeEach(() => {
  const temp = openTempStore('ensemble-memory-', openMemoryStore);
  ({ path, store } = temp);
  return () => temp.remove(store);
});

describe('MemoryStore', () => {
  it('appends entries numbered per agent, with estimated tokens, and lists them oldest first', () => {
    const appended = store.append('architect', [
      { role: 'user', content: 'How should we shard the orders table?', createdAt: 1000 },
      { role: 'agent', content: 'By customer id, hashed.', createdAt: 1001, runId: 'run-1' },
    ]);
    expect(appended.map((entry) => entry.seq)).toEqual([1, 2]);
    store.append('reviewer', { role: 'note', content: 'prefers small PRs', tokens: 3 });
    store.append('architect', { role: 'user', content: 'And the indexes?' });
    const entries = store.list('architect');
    expect(entries.map(({ seq, role }) => `${seq}:${role}`)).toEqual(['1:user', '2:agent', '3:user']);
    expect(entries[0]).toEqual({ agentName: 'architect', seq: 1, role: 'user', content: 'How should we shard the orders table?', createdAt: 1000, tokens: 10 });
    expect(entries[1]?.runId).toBe('run-1');
    expect(store.list('reviewer')).toMatchObject([{ seq: 1, role: 'note', tokens: 3 }]);
    expect(store.count('architect')).toBe(3);
  });

  it('limits a listing to the most recent entries, still oldest first', () => {
    for (let index = 1; index <= 5; index++) store.append('a', { role: 'user', content: `message ${index}` });
    expect(store.list('a', { limit: 2 }).map((entry) => entry.content)).toEqual(['message 4', 'message 5']);
  });

  it('survives a restart: another process opening the same file sees the memory', () => {
    store.append('a', { role: 'user', content: 'remember me' });
    store.close();
    store = openMemoryStore(path);
    expect(store.list('a').map((entry) => entry.content)).toEqual(['remember me']);
  });

  it('shares the journal file with the run store', () => {
    const runs = openRunStore(path);
    try {
      expect(runs.listRuns()).toEqual([]);
      store.append('a', { role: 'user', content: 'x' });
      expect(store.count('a')).toBe(1);
    } finally {
      runs.close();
    }
  });

  it('clears one agent only and reports how many entries went', () => {
    store.append('a', [{ role: 'user', content: '1' }, { role: 'agent', content: '2' }]);
    store.append('b', { role: 'user', content: '3' });
    expect(store.clear('a')).toBe(2);
    expect(store.list('a')).toEqual([]);
    expect(store.count('b')).toBe(1);
    expect(store.clear('nobody')).toBe(0);
  });

  it('exports the whole memory as a JSON document', () => {
    store.append('a', [{ role: 'user', content: 'question', tokens: 2 }, { role: 'agent', content: 'answer', tokens: 5 }]);
    const exported = store.export('a');
    expect(exported).toMatchObject({ format: 'ensemble-agent-memory', version: 1, agentName: 'a', entryCount: 2, totalTokens: 7 });
    expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);
    expect(store.export('empty')).toMatchObject({ entryCount: 0, entries: [] });
  });

  it('rejects bad input naming the field', () => {
    expect(() => store.append('bad name!', { role: 'user', content: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('agentName') }));
    expect(() => store.append('a', { role: 'robot' as 'user', content: 'x' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('entries[0].role: expected one of user, agent, note') }),
    );
    expect(() => store.list('a', { limit: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('options.limit') }));
    // Nothing of a rejected batch is written.
    expect(() => store.append('a', [{ role: 'user', content: 'ok' }, { role: 'user', content: 7 as unknown as string }])).toThrow();
    expect(store.count('a')).toBe(0);
  });
});
