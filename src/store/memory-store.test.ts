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

  describe('import', () => {
    it('round-trips an export into another journal, keeping times, tokens and runs', () => {
      store.append('a', [
        { role: 'user', content: 'q1', createdAt: 1000, runId: 'run-1' },
        { role: 'agent', content: 'a1', createdAt: 1000, runId: 'run-1', tokens: 9 },
      ]);
      const exported = JSON.parse(JSON.stringify(store.export('a'))) as unknown;
      const other = openTempStore('ensemble-memory-import-', openMemoryStore);
      try {
        expect(other.store.import(exported)).toEqual({ agentName: 'a', entryCount: 2, imported: 2, skipped: 0, total: 2 });
        expect(other.store.list('a')).toEqual(store.list('a'));
      } finally {
        other.remove();
      }
    });

    it('merges without duplicating what the memory already holds, in time order', () => {
      store.append('a', [
        { role: 'user', content: 'early question', createdAt: 1000 },
        { role: 'agent', content: 'early answer', createdAt: 1000 },
        { role: 'user', content: 'late question', createdAt: 3000 },
      ]);
      const document = {
        ...store.export('a'),
        entryCount: 4,
        entries: [
          ...store.export('a').entries.slice(0, 2),
          { agentName: 'a', seq: 3, role: 'user', content: 'middle question', createdAt: 2000, tokens: 3 },
          { agentName: 'a', seq: 4, role: 'agent', content: 'middle answer', createdAt: 2000, tokens: 3, runId: 'run-2' },
        ],
      };
      expect(store.import(document)).toEqual({ agentName: 'a', entryCount: 4, imported: 2, skipped: 2, total: 5 });
      expect(store.list('a').map((entry) => `${entry.seq}:${entry.content}`)).toEqual(['1:early question', '2:early answer', '3:middle question', '4:middle answer', '5:late question']);
      expect(store.list('a')[3]?.runId).toBe('run-2');
      // Importing the same document again adds nothing.
      expect(store.import(document)).toMatchObject({ imported: 0, skipped: 4, total: 5 });
      // Entries newer than the memory are appended after it, keeping its numbering.
      const later = { ...document, entryCount: 1, entries: [{ agentName: 'a', seq: 9, role: 'note', content: 'prefers tabs', createdAt: 4000, tokens: 2 }] };
      expect(store.import(later)).toMatchObject({ imported: 1, total: 6 });
      expect(store.list('a').at(-1)).toMatchObject({ seq: 6, role: 'note', content: 'prefers tabs' });
    });

    it('imports into another agent when asked', () => {
      store.append('a', { role: 'user', content: 'hello', createdAt: 5 });
      expect(store.import(store.export('a'), { agentName: 'b' })).toMatchObject({ agentName: 'b', imported: 1 });
      expect(store.list('b').map((entry) => entry.content)).toEqual(['hello']);
    });

    it('rejects a malformed document naming the field, importing nothing', () => {
      store.append('a', { role: 'user', content: 'hello', createdAt: 5 });
      const good = store.export('a');
      const cases: [unknown, string][] = [
        [{ ...good, format: 'something-else' }, 'document.format: expected "ensemble-agent-memory"'],
        [{ ...good, version: 2 }, 'document.version: expected 1'],
        [{ ...good, entryCount: 3 }, 'document.entryCount: says 3 entries but the document holds 1'],
        [{ ...good, entries: [{ ...good.entries[0], role: 'robot' }] }, 'document.entries[0].role: expected one of user, agent, note'],
        [{ ...good, entries: [{ ...good.entries[0], agentName: 'z' }] }, 'document.entries[0].agentName: "z" differs from the document\'s agent "a"'],
        [{ ...good, extra: true }, 'document: unknown field "extra"'],
        ['not an object', 'document: '],
      ];
      for (const [document, message] of cases) {
        expect(() => store.import(document, { agentName: 'c' }), message).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining(message) }));
      }
      expect(store.count('c')).toBe(0);
      expect(() => store.import(good, { agentName: 'bad name!' })).toThrow(expect.objectContaining({ message: expect.stringContaining('agentName') }));
    });
  });
});
