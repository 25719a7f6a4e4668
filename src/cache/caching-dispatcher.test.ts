import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { taskSpecSchema, type TaskDispatcher, type TaskInput, type TaskRequest } from '../core/index.js';
import { AgentRegistry, LocalDispatcher, parseAgentDefinition, type AgentDefinition } from '../agents/index.js';
import { openRunStore, type RunStore } from '../store/index.js';
import { recordingDispatchContext } from '../../test/helpers/dispatch-context.js';
import { makeGitRepository } from '../../test/helpers/git-repository.js';
import { openTempStore } from '../../test/helpers/temp-folder.js';
import { waitUntil } from '../../test/helpers/wait-until.js';
import { CachingDispatcher, wrapWithResultCache, type ResultCacheOptions } from './caching-dispatcher.js';

const READER = '---\nname: reader\ndescription: Reads code\nruntime: simulated\ntools: Read, Glob, Grep\n---\nYou read code.\n';
const WRITER = '---\nname: writer\ndescription: Writes code\nruntime: simulated\ntools: Read, Glob, Grep, Write\n---\nYou write code.\n';

let store: RunStore;
let folder: string;
let workspace: string;
beforeEach(() => {
  const temp = openTempStore('ensemble-caching-dispatcher-', openRunStore);
  store = temp.store;
  folder = temp.folder;
  workspace = makeGitRepository(join(folder, 'repo'), { 'src/app.ts': 'export const answer = 42;\n' });
  return () => temp.remove(store);
});

function registryOf(...definitions: AgentDefinition[]): AgentRegistry {
  const registry = new AgentRegistry();
  for (const definition of definitions) registry.register(definition);
  return registry;
}

function requestOf(input: Partial<TaskInput> & { agentName: string }, runId = 'run-1'): TaskRequest {
  const task = taskSpecSchema.parse({ id: 'review', prompt: 'Review the app', ...input });
  return { runId, task, attempt: 1, executionId: `${runId}:${task.id}:1`, inputs: [], context: [], permissions: 'edit' };
}

interface Harness {
  readonly dispatcher: TaskDispatcher;
  readonly warnings: string[];
  readonly clock: { nowMs: number };
}

function harness(registry: AgentRegistry, options: Partial<ResultCacheOptions> = {}, latencyMs = 0): Harness {
  const warnings: string[] = [];
  const clock = { nowMs: 1_000_000 };
  const local = new LocalDispatcher({ registry, inProcess: new Map(), simulatedLatencyMs: latencyMs });
  const dispatcher = wrapWithResultCache(local, {
    store: store.resultCache,
    registry,
    settings: { ttl: 60_000 },
    clock: { now: () => clock.nowMs },
    onWarning: (message) => warnings.push(message),
    ...options,
  });
  return { dispatcher, warnings, clock };
}

describe('CachingDispatcher', () => {
  it('stores a read-only task\'s output and serves it to the identical task of a later run, spending nothing', async () => {
    const { dispatcher, clock } = harness(registryOf(parseAgentDefinition(READER, 'test')));
    expect(dispatcher).toBeInstanceOf(CachingDispatcher);
    const first = recordingDispatchContext(undefined, workspace);
    const fresh = await dispatcher.dispatch(requestOf({ agentName: 'reader' }), first);
    expect(fresh.cachedFrom).toBeUndefined();
    const spent = first.recorded.usage.reduce((sum, report) => sum + report.usage.totalTokens, 0);
    expect(spent).toBeGreaterThan(0);
    expect(store.resultCache.list({}, clock.nowMs)).toMatchObject([{ agentName: 'reader', runId: 'run-1', taskId: 'review', tokensUsed: spent, model: 'simulated:sonnet', workspace }]);

    clock.nowMs += 30_000;
    const second = recordingDispatchContext(undefined, workspace);
    const reused = await dispatcher.dispatch(requestOf({ agentName: 'reader' }, 'run-2'), second);
    expect(reused).toEqual({
      output: fresh.output,
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      costUsd: 0,
      model: 'simulated:sonnet',
      cachedFrom: { runId: 'run-1', taskId: 'review', completedAt: 1_000_000, tokensSaved: spent },
    });
    // Nothing ran: no tool calls, no spend reported.
    expect(second.recorded.events).toEqual([]);
    expect(second.recorded.usage).toEqual([]);
    expect(store.resultCache.list({}, clock.nowMs)[0]).toMatchObject({ hits: 1, lastHitAt: 1_030_000 });

    // Past the TTL it runs again (and stores a fresh entry).
    clock.nowMs += 30_000;
    const expired = await dispatcher.dispatch(requestOf({ agentName: 'reader' }, 'run-3'), recordingDispatchContext(undefined, workspace));
    expect(expired.cachedFrom).toBeUndefined();
    expect(store.resultCache.list({}, clock.nowMs)).toMatchObject([{ runId: 'run-3', hits: 0 }]);
  });

  it('is the dispatcher itself when neither the run nor an agent turns the cache on; an agent\'s own setting overrides the run\'s', async () => {
    const reader = parseAgentDefinition(READER, 'test');
    const local = new LocalDispatcher({ registry: registryOf(reader), inProcess: new Map(), simulatedLatencyMs: 0 });
    expect(wrapWithResultCache(local, { store: store.resultCache, registry: registryOf(reader), settings: undefined, onWarning: () => undefined })).toBe(local);

    const optedIn = { ...reader, cache: { ttl: 5_000 } };
    const optedOut = { ...parseAgentDefinition(READER.replace('name: reader', 'name: quiet'), 'test'), cache: false as const };
    const { dispatcher, clock } = harness(registryOf(optedIn, optedOut), { settings: undefined });
    await dispatcher.dispatch(requestOf({ agentName: 'reader' }), recordingDispatchContext(undefined, workspace));
    await dispatcher.dispatch(requestOf({ agentName: 'quiet' }), recordingDispatchContext(undefined, workspace));
    expect(store.resultCache.list({}, clock.nowMs)).toMatchObject([{ agentName: 'reader', expiresAt: clock.nowMs + 5_000 }]);

    // A run that turns the cache on still leaves out the agent that opted out.
    const withRun = harness(registryOf(optedOut), { settings: { ttl: 60_000 } });
    await withRun.dispatcher.dispatch(requestOf({ agentName: 'quiet' }), recordingDispatchContext(undefined, workspace));
    expect(store.resultCache.list({ agentName: 'quiet' }, clock.nowMs)).toEqual([]);
  });

  it('never stores what a writing agent, a worktree task, or a task answered after guidance produced', async () => {
    const { dispatcher, clock } = harness(registryOf(parseAgentDefinition(READER, 'test'), parseAgentDefinition(WRITER, 'test')));
    await dispatcher.dispatch(requestOf({ agentName: 'writer' }), recordingDispatchContext(undefined, workspace));
    await dispatcher.dispatch(requestOf({ agentName: 'reader', isolation: 'worktree' }), recordingDispatchContext(undefined, workspace));
    const guided: TaskRequest = {
      ...requestOf({ agentName: 'reader' }),
      context: [{ key: 'escalation:E-1', relation: 'guidance', source: 'E-1', agentName: 'reader', text: 'A person answered: go on', treatment: 'whole', tokens: 5 }],
    };
    await dispatcher.dispatch(guided, recordingDispatchContext(undefined, workspace));
    expect(store.resultCache.list({}, clock.nowMs)).toEqual([]);
    // The writer is cacheable where it cannot write.
    await dispatcher.dispatch({ ...requestOf({ agentName: 'writer' }), permissions: 'read' }, recordingDispatchContext(undefined, workspace));
    expect(store.resultCache.list({}, clock.nowMs)).toMatchObject([{ agentName: 'writer' }]);
  });

  it('does not store an answer given while the workspace changed under it', async () => {
    const { dispatcher, clock } = harness(registryOf(parseAgentDefinition(READER, 'test')), {}, 1_500);
    const context = recordingDispatchContext(undefined, workspace);
    const running = dispatcher.dispatch(requestOf({ agentName: 'reader' }), context);
    // The simulated reader's first tool call: its key (and the state before it) is taken.
    await waitUntil(() => context.recorded.events.some((event) => event.type === 'agent:tool'), 'the reader\'s first tool call');
    writeFileSync(join(workspace, 'src', 'app.ts'), 'export const answer = 43;\n');
    const outcome = await running;
    expect(outcome.cachedFrom).toBeUndefined();
    expect(store.resultCache.list({}, clock.nowMs)).toEqual([]);
  });

  it('hits with the journal and data folder inside the workspace (the default ./.ensemble), which every run changes', async () => {
    const inside = openRunStore(join(workspace, '.ensemble', 'ensemble.db'));
    try {
      const registry = registryOf(parseAgentDefinition(READER, 'test'));
      const local = new LocalDispatcher({ registry, inProcess: new Map(), simulatedLatencyMs: 0 });
      const options = { store: inside.resultCache, registry, settings: { ttl: 60_000 }, dataDir: join(workspace, '.ensemble'), onWarning: () => undefined };
      await wrapWithResultCache(local, options).dispatch(requestOf({ agentName: 'reader' }), recordingDispatchContext(undefined, workspace));
      // What a run leaves in the data folder besides the journal (patches, worktrees) does not count either.
      writeFileSync(join(workspace, '.ensemble', 'left-by-a-run.patch'), 'diff');
      const reused = await wrapWithResultCache(local, options).dispatch(requestOf({ agentName: 'reader' }, 'run-2'), recordingDispatchContext(undefined, workspace));
      expect(reused.cachedFrom?.runId).toBe('run-1');
      // Without knowing the data folder, the patch is an untracked file like any other: a miss.
      writeFileSync(join(workspace, '.ensemble', 'left-by-a-run.patch'), 'another diff');
      const withoutDataDir = { ...options, dataDir: join(folder, 'elsewhere') };
      const missed = await wrapWithResultCache(local, withoutDataDir).dispatch(requestOf({ agentName: 'reader' }, 'run-3'), recordingDispatchContext(undefined, workspace));
      expect(missed.cachedFrom).toBeUndefined();
    } finally {
      inside.close();
    }
  });

  it('runs the task uncached when the store fails, warning once', async () => {
    const broken = openRunStore(join(folder, 'broken.db'));
    const cache = broken.resultCache;
    broken.close();
    const { dispatcher, warnings } = harness(registryOf(parseAgentDefinition(READER, 'test')), { store: cache });
    for (const runId of ['run-1', 'run-2']) {
      const outcome = await dispatcher.dispatch(requestOf({ agentName: 'reader' }, runId), recordingDispatchContext(undefined, workspace));
      expect(outcome.output).toContain('src/app.ts');
    }
    expect(warnings.filter((warning) => warning.includes('could not read'))).toHaveLength(1);
    expect(warnings.filter((warning) => warning.includes('could not store'))).toHaveLength(1);
  });

  it('warns why a workspace too large to fingerprint is not cached, and runs its tasks', async () => {
    const plain = join(folder, 'plain');
    makePlainFolder(plain, 4);
    const { dispatcher, warnings, clock } = harness(registryOf(parseAgentDefinition(READER, 'test')), { maxWorkspaceFiles: 3 });
    const outcome = await dispatcher.dispatch(requestOf({ agentName: 'reader' }), recordingDispatchContext(undefined, plain));
    expect(outcome.cachedFrom).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining('is not a git work tree and has more than 3 files')]);
    expect(store.resultCache.list({}, clock.nowMs)).toEqual([]);
  });
});

function makePlainFolder(path: string, files: number): void {
  mkdirSync(path, { recursive: true });
  for (let index = 0; index < files; index++) writeFileSync(join(path, `f${index}.txt`), String(index));
}
