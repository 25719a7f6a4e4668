import { describe, expect, it } from 'vitest';
import { AgentOrchestrator } from '../src/orchestrator/index.js';
import { openRunStore } from '../src/store/index.js';
import type { ContextEntry, DependencyOutput, RunEventOf } from '../src/core/index.js';
import { join } from 'node:path';
import { makeTempDir } from './helpers/cli.js';

interface Received {
  readonly inputs: readonly DependencyOutput[];
  readonly context: readonly ContextEntry[];
}

// plan → design → build, with an unrelated `notes` task that finishes first.
const TASKS = [
  { id: 'notes', agentName: 'writer', prompt: 'notes', priority: 10 },
  { id: 'plan', agentName: 'writer', prompt: 'plan', dependencies: ['notes'] },
  { id: 'side', agentName: 'writer', prompt: 'side' },
  { id: 'design', agentName: 'writer', prompt: 'design', dependencies: ['plan'] },
  { id: 'build', agentName: 'writer', prompt: 'build', dependencies: ['design'] },
];

async function runWith(strategy: 'shared' | 'isolated' | 'hierarchical', outputs: Readonly<Record<string, string>> = {}, pruningThreshold?: number) {
  const received = new Map<string, Received>();
  const orchestrator = new AgentOrchestrator({ store: false, contextStrategy: strategy, maxParallelAgents: 1, ...(pruningThreshold === undefined ? {} : { pruningThreshold }) });
  orchestrator.registerAgent({
    name: 'writer',
    run: async (task, context) => {
      received.set(task.id, { inputs: context.inputs, context: context.context });
      return outputs[task.id] ?? `the ${task.id} document`;
    },
  });
  const pruned: RunEventOf<'context:pruned'>[] = [];
  orchestrator.on('context:pruned', (event) => pruned.push(event));
  const receipts: RunEventOf<'task:context'>[] = [];
  orchestrator.on('task:context', (event) => receipts.push(event));
  orchestrator.addTasks(TASKS);
  const outcome = await orchestrator.execute();
  expect(outcome.status).toBe('succeeded');
  return { received, pruned, receipts, outcome };
}

const sources = (entries: readonly ContextEntry[]): string[] => entries.filter((entry) => entry.relation !== 'message').map((entry) => entry.source).sort();

describe('context strategies through the orchestrator (issue 8)', () => {
  it('isolated hands a task its direct dependencies only; hierarchical adds its ancestors; shared adds every finished task', async () => {
    const isolated = await runWith('isolated');
    expect(isolated.received.get('build')!.inputs.map((input) => input.taskId)).toEqual(['design']);
    expect(isolated.received.get('build')!.context).toEqual([]);

    const hierarchical = await runWith('hierarchical');
    expect(hierarchical.received.get('build')!.inputs.map((input) => input.output)).toEqual(['the design document']);
    expect(sources(hierarchical.received.get('build')!.context)).toEqual(['notes', 'plan']);

    const shared = await runWith('shared');
    expect(sources(shared.received.get('build')!.context)).toEqual(['notes', 'plan', 'side']);
    expect(shared.receipts.find((event) => event.taskId === 'build')!.receipt).toMatchObject({ strategy: 'shared' });
    expect(shared.outcome.summary.contextTokens).toBeGreaterThan(0);
  });

  it('prunes past the threshold: a 400,000-character dependency is trimmed head and tail with the cut marked, and a context:pruned event says so', async () => {
    const huge = `BEGIN ${'x'.repeat(399_980)} END`;
    const { received, pruned } = await runWith('shared', { design: huge }, 4_000);
    const input = received.get('build')!.inputs[0]!;
    expect(input.taskId).toBe('design');
    expect(input.output.length).toBeLessThan(40_000);
    expect(input.output.startsWith('BEGIN')).toBe(true);
    expect(input.output.endsWith('END')).toBe(true);
    expect(pruned.map((event) => event.taskId)).toContain('build');
    const report = pruned.find((event) => event.taskId === 'build')!;
    expect(report.beforeTokens).toBeGreaterThan(report.afterTokens);
    expect(report.afterTokens).toBeLessThanOrEqual(4_000);
  });

  it('journals what each task received, and the summary counts the context tokens', async () => {
    const db = join(makeTempDir(), 'journal.db');
    const orchestrator = new AgentOrchestrator({ store: db, contextStrategy: 'hierarchical' });
    orchestrator.registerAgent({ name: 'writer', run: async (task) => `the ${task.id} document` });
    orchestrator.addTasks(TASKS);
    const outcome = await orchestrator.execute();
    const store = openRunStore(db);
    try {
      const receipts = store.readEvents(outcome.runId).filter((event) => event.type === 'task:context');
      expect(receipts).toHaveLength(TASKS.length);
      const build = receipts.find((event) => event.taskId === 'build');
      expect(build && 'receipt' in build ? build.receipt.entries.map((entry) => entry.key).sort() : []).toEqual(['output:design', 'output:notes', 'output:plan']);
      expect(store.getRun(outcome.runId)!.summary!.contextTokens).toBe(outcome.summary.contextTokens);
    } finally {
      store.close();
    }
  });
});
