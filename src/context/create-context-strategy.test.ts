import { describe, expect, it } from 'vitest';
import {
  buildTaskGraph,
  taskSpecSchema,
  type ContextRequest,
  type ContextSources,
  type RunMessage,
  type SharedContextEntry,
  type TaskContext,
  type TaskInput,
} from '../core/index.js';
import { countTokens } from './count-tokens.js';
import { createContextStrategy } from './create-context-strategy.js';
import { handOverContext } from './hand-over-context.js';
import { collectCandidates } from './collect-candidates.js';
import { SourceMemo } from './source-memo.js';
import { VisitMarks } from './task-ancestors.js';

interface RunFixture {
  readonly tasks: readonly TaskInput[];
  readonly outputs: Readonly<Record<string, string>>;
  /** Task ids in the order they finished. */
  readonly finished: readonly string[];
  readonly messages?: readonly Omit<RunMessage, 'runId' | 'at' | 'messageType'>[];
  readonly shared?: readonly Omit<SharedContextEntry, 'at'>[];
}

/** A real task graph and a read-only view of what a run produced, as the scheduler hands it over. */
function sourcesOf(fixture: RunFixture): ContextSources {
  const tasks = fixture.tasks.map((task) => taskSpecSchema.parse(task));
  const indexById = new Map(tasks.map((task, index) => [task.id, index]));
  const graph = buildTaskGraph(tasks, indexById);
  const finished = fixture.finished.map((id) => indexById.get(id)!);
  const shared = (fixture.shared ?? []).map((entry, index) => ({ ...entry, at: 1000 + index }));
  return {
    graph,
    output: (index) => (finished.includes(index) ? fixture.outputs[tasks[index]!.id] : undefined),
    finished,
    messages: (fixture.messages ?? []).map((message, index) => ({ runId: 'run', messageType: message.to === '*' ? 'broadcast' : 'data', at: 500 + index, ...message })),
    sharedEntries: () => {
      const latest = new Map<string, SharedContextEntry>();
      for (const entry of shared) if ((latest.get(entry.key)?.version ?? 0) < entry.version) latest.set(entry.key, entry);
      return [...latest.values()];
    },
    sharedEntry: (key, version) => shared.find((entry) => entry.key === key && entry.version === version),
  };
}

function requestFor(sources: ContextSources, taskId: string, overrides: Partial<ContextRequest> = {}): ContextRequest {
  const index = sources.graph.indexById.get(taskId)!;
  return { task: sources.graph.tasks[index]!, index, model: 'openai:gpt-4o', sources, thresholdTokens: 150_000, communication: true, ...overrides };
}

const keysOf = (context: TaskContext): string[] => context.context.map((entry) => entry.key);

/**
 * a → b → d → e, a → c; x on its own. e's dependency is d, its ancestors b (nearest) then a; c and x
 * are the rest of the pool. Finished in the order a, b, c, x, d.
 */
const GRAPH: RunFixture = {
  tasks: [
    { id: 'a', agentName: 'architect' },
    { id: 'b', agentName: 'backend', dependencies: ['a'] },
    { id: 'c', agentName: 'frontend', dependencies: ['a'] },
    { id: 'd', agentName: 'integrator', dependencies: ['b'] },
    { id: 'e', agentName: 'tester', dependencies: ['d'] },
    { id: 'x', agentName: 'other' },
  ],
  outputs: { a: 'design of a', b: 'backend of b', c: 'frontend of c', d: 'integration of d', x: 'notes of x' },
  finished: ['a', 'b', 'c', 'x', 'd'],
  messages: [
    { messageId: 'a:1:1:m1', taskId: 'a', from: 'architect', to: '*', content: 'broadcast from an ancestor' },
    { messageId: 'x:1:1:m1', taskId: 'x', from: 'other', to: '*', content: 'broadcast from outside the line' },
    { messageId: 'x:1:1:m2', taskId: 'x', from: 'other', to: 'tester', content: 'to the tester by agent name' },
    { messageId: 'c:1:1:m1', taskId: 'c', from: 'frontend', to: 'e', content: 'to e by task id' },
    { messageId: 'c:1:1:m2', taskId: 'c', from: 'frontend', to: 'backend', content: 'to someone else' },
    { messageId: 'e:1:1:m1', taskId: 'e', from: 'tester', to: '*', content: 'its own broadcast, from an earlier attempt' },
  ],
  shared: [
    { key: 'api', value: 'contract v1', version: 1, agentName: 'backend', taskId: 'b' },
    { key: 'ui', value: 'palette', version: 1, agentName: 'frontend', taskId: 'c' },
    { key: 'api', value: 'contract v2', version: 2, agentName: 'backend', taskId: 'b' },
  ],
};

describe('context strategies', () => {
  it('isolated: the dependency outputs, and only messages addressed to the task by id or agent name', () => {
    const context = createContextStrategy('isolated').assemble(requestFor(sourcesOf(GRAPH), 'e'));
    expect(context.inputs).toEqual([{ taskId: 'd', agentName: 'integrator', output: 'integration of d' }]);
    expect(keysOf(context)).toEqual(['message:x:1:1:m2', 'message:c:1:1:m1']);
    expect(context.context.map((entry) => entry.text)).toEqual(['to the tester by agent name', 'to e by task id']);
    expect(context.context[0]).toMatchObject({ relation: 'message', source: 'other', agentName: 'other', messageType: 'data', treatment: 'whole' });
    expect(context.receipt.strategy).toBe('isolated');
    expect(context.pruned).toBeUndefined();
  });

  it('hierarchical: ancestors nearest first, messages from ancestors or to the task, shared entries ancestors wrote', () => {
    const context = createContextStrategy('hierarchical').assemble(requestFor(sourcesOf(GRAPH), 'e'));
    expect(context.inputs.map((input) => input.taskId)).toEqual(['d']);
    expect(keysOf(context)).toEqual(['message:a:1:1:m1', 'message:x:1:1:m2', 'message:c:1:1:m1', 'output:b', 'output:a', 'shared:api@2']);
    expect(context.context.map((entry) => entry.relation)).toEqual(['message', 'message', 'message', 'ancestor', 'ancestor', 'shared']);
    expect(context.context[3]).toMatchObject({ source: 'b', agentName: 'backend', text: 'backend of b', treatment: 'whole' });
    expect(context.context[5]).toMatchObject({ source: 'api', agentName: 'backend', text: 'contract v2' });
    expect(context.context[0]!.messageType).toBe('broadcast');
    expect(context.context[3]).not.toHaveProperty('messageType');
  });

  it('shared: one pool of every finished output (newest first), every message for the task, every shared entry', () => {
    const context = createContextStrategy('shared').assemble(requestFor(sourcesOf(GRAPH), 'e'));
    expect(keysOf(context)).toEqual([
      'message:a:1:1:m1',
      'message:x:1:1:m1',
      'message:x:1:1:m2',
      'message:c:1:1:m1',
      'output:b',
      'output:a',
      'output:x',
      'output:c',
      'shared:api@2',
      'shared:ui@1',
    ]);
    expect(context.context.filter((entry) => entry.relation === 'pool').map((entry) => entry.source)).toEqual(['x', 'c']);
  });

  it('without communication, no messages and no shared entries under any strategy', () => {
    for (const name of ['shared', 'isolated', 'hierarchical'] as const) {
      const context = createContextStrategy(name).assemble(requestFor(sourcesOf(GRAPH), 'e', { communication: false }));
      expect(context.context.every((entry) => entry.relation !== 'message' && entry.relation !== 'shared'), name).toBe(true);
    }
    expect(keysOf(createContextStrategy('isolated').assemble(requestFor(sourcesOf(GRAPH), 'e', { communication: false })))).toEqual([]);
  });

  it('journals a receipt of every entry with its tokens, dependencies first, under the model\'s tokenizer', () => {
    const sources = sourcesOf(GRAPH);
    const context = createContextStrategy('hierarchical').assemble(requestFor(sources, 'e'));
    expect(context.receipt.tokenizer).toBe('o200k_base');
    expect(context.receipt.entries[0]).toEqual({ key: 'output:d', relation: 'dependency', treatment: 'whole', tokens: countTokens('integration of d', 'gpt-4o'), sourceTokens: countTokens('integration of d', 'gpt-4o') });
    expect(context.receipt.entries.map((entry) => entry.key)).toEqual(['output:d', ...keysOf(context)]);
    expect(context.receipt.tokens).toBe(context.receipt.entries.reduce((total, entry) => total + entry.tokens, 0));
    const estimated = createContextStrategy('hierarchical').assemble(requestFor(sources, 'e', { model: 'anthropic:claude-sonnet-4-5' }));
    expect(estimated.receipt.tokenizer).toBe('estimate');
    expect(estimated.receipt.entries[0]!.tokens).toBe(Math.ceil('integration of d'.length / 4));
  });

  it('rejects an unknown strategy name and invalid options, naming them', () => {
    expect(() => createContextStrategy('pooled' as 'shared')).toThrow(/contextStrategy: unknown strategy "pooled"/);
    expect(() => createContextStrategy('shared', { summaryTokens: 5 })).toThrow(/contextStrategyOptions\.summaryTokens/);
  });
});

/** A Markdown report of about `sections` × 170 tokens, with headings, decisions and file names a summary keeps. */
function report(taskId: string, sections: number): string {
  const lines = [`# Report of ${taskId}`, '', `What ${taskId} did, in one line.`];
  for (let section = 1; section <= sections; section++) {
    lines.push('', `## ${taskId} part ${section}`, `Part ${section} of ${taskId} starts here.`);
    for (let filler = 0; filler < 5; filler++) lines.push(`Detail ${filler} of part ${section} in ${taskId}: fields, types, status codes and the reasons for each of them.`);
    lines.push(`Decision ${section} of ${taskId}: keep the handlers in src/${taskId}/part-${section}.ts.`);
  }
  return lines.join('\n');
}

/** A 400,000-character listing whose first and last lines are recognisable. */
function hugeListing(): string {
  const lines = ['FIRST LINE OF THE BIG LISTING'];
  let length = lines[0]!.length;
  for (let line = 1; length < 400_000 - 30; line++) {
    lines.push(`export const value${line} = compute(${line}, 'a fairly long argument to make the line longer');`);
    length += lines.at(-1)!.length + 1;
  }
  lines.push('LAST LINE OF THE BIG LISTING');
  return lines.join('\n');
}

/** plan → api → ui → review, review also on plan and api; x and y elsewhere. Every output is a report. */
const PIPELINE: RunFixture = {
  tasks: [
    { id: 'plan', agentName: 'architect' },
    { id: 'api', agentName: 'backend', dependencies: ['plan'] },
    { id: 'ui', agentName: 'frontend', dependencies: ['api'] },
    { id: 'x', agentName: 'other' },
    { id: 'y', agentName: 'other' },
    { id: 'review', agentName: 'reviewer', dependencies: ['ui', 'plan'] },
  ],
  outputs: { plan: report('plan', 6), api: report('api', 12), ui: report('ui', 8), x: report('x', 10), y: report('y', 10) },
  finished: ['plan', 'api', 'x', 'ui', 'y'],
  messages: [{ messageId: 'x:1:1:m1', taskId: 'x', from: 'other', to: 'reviewer', content: 'Please check the pagination of the list endpoints.' }],
};

describe('pruning past the threshold', () => {
  it('keeps the direct dependencies whole and the message, summarises the rest, and reports what it changed', () => {
    const sources = sourcesOf(PIPELINE);
    const dependencyTokens = countTokens(PIPELINE.outputs['ui']!, 'gpt-4o') + countTokens(PIPELINE.outputs['plan']!, 'gpt-4o');
    const threshold = dependencyTokens + 1500;
    const context = createContextStrategy('shared', { summaryTokens: 400 }).assemble(requestFor(sources, 'review', { thresholdTokens: threshold }));
    expect(context.inputs.map((input) => [input.taskId, input.output])).toEqual([
      ['ui', PIPELINE.outputs['ui']],
      ['plan', PIPELINE.outputs['plan']],
    ]);
    expect(context.receipt.tokens).toBeLessThanOrEqual(threshold);
    const byKey = new Map(context.context.map((entry) => [entry.key, entry]));
    expect(byKey.get('message:x:1:1:m1')?.treatment).toBe('whole');
    const api = byKey.get('output:api')!;
    expect(api).toMatchObject({ relation: 'ancestor', treatment: 'summary' });
    expect(api.text).toMatch(/^\[Summary by ensemble of the output of task api \(backend\)/);
    expect(api.text).toContain('## api part 12');
    expect(api.text).toContain('Decision 12 of api: keep the handlers in src/api/part-12.ts.');
    expect(api.tokens).toBeLessThanOrEqual(400);
    expect(context.pruned).toBeDefined();
    const pruned = context.pruned!;
    expect(pruned.thresholdTokens).toBe(threshold);
    expect(pruned.afterTokens).toBe(context.receipt.tokens);
    expect(pruned.beforeTokens).toBe(context.receipt.entries.reduce((total, entry) => total + entry.sourceTokens, 0) + pruned.entries.filter((entry) => entry.treatment === 'dropped').reduce((total, entry) => total + entry.beforeTokens, 0));
    // Every entry pruning touched is reported, and only those.
    const touched = context.receipt.entries.filter((entry) => entry.treatment !== 'whole').map((entry) => entry.key);
    expect(pruned.entries.filter((entry) => entry.treatment !== 'dropped').map((entry) => entry.key)).toEqual(touched);
    expect(touched).toContain('output:api');
    expect(pruned.entries.every((entry) => entry.afterTokens < entry.beforeTokens)).toBe(true);
  });

  it('hands the most relevant entries whole when the budget allows, and drops what does not fit even reduced', () => {
    const sources = sourcesOf(PIPELINE);
    const strategy = createContextStrategy('shared', { summaryTokens: 300 });
    const dependencyTokens = countTokens(PIPELINE.outputs['ui']!, 'gpt-4o') + countTokens(PIPELINE.outputs['plan']!, 'gpt-4o');
    const roomy = strategy.assemble(requestFor(sources, 'review', { thresholdTokens: dependencyTokens + countTokens(PIPELINE.outputs['api']!, 'gpt-4o') + 1200 }));
    // The nearest ancestor is handed whole, the pool summarised.
    expect(roomy.context.find((entry) => entry.key === 'output:api')?.treatment).toBe('whole');
    expect(roomy.context.filter((entry) => entry.relation === 'pool').map((entry) => entry.treatment)).toEqual(['summary', 'summary']);
    const tight = strategy.assemble(requestFor(sources, 'review', { thresholdTokens: dependencyTokens + 420 }));
    expect(tight.pruned!.entries.some((entry) => entry.treatment === 'dropped')).toBe(true);
    expect(tight.receipt.tokens).toBeLessThanOrEqual(dependencyTokens + 420);
    expect(tight.inputs.map((input) => input.output)).toEqual([PIPELINE.outputs['ui'], PIPELINE.outputs['plan']]);
  });

  it('trims a 400,000-character dependency that alone passes the threshold, head and tail kept, the cut marked; the other dependency stays whole', () => {
    const big = hugeListing();
    const fixture: RunFixture = { ...PIPELINE, outputs: { ...PIPELINE.outputs, ui: big } };
    const sources = sourcesOf(fixture);
    const context = createContextStrategy('shared').assemble(requestFor(sources, 'review', { thresholdTokens: 12_000 }));
    const [ui, plan] = context.inputs;
    expect(plan!.output).toBe(fixture.outputs['plan']);
    expect(ui!.output.length).toBeLessThan(100_000);
    expect(ui!.output.startsWith('FIRST LINE OF THE BIG LISTING\n')).toBe(true);
    expect(ui!.output).toMatch(/\[… ensemble trimmed the output of task ui \(frontend\): [\d,]+ characters \(about [\d,]+ tokens\) cut from the middle/);
    expect(big.length).toBeGreaterThanOrEqual(400_000);
    expect(ui!.output.endsWith('\nLAST LINE OF THE BIG LISTING')).toBe(true);
    // Nothing else fits: the message and the other outputs are dropped, and reported so.
    expect(context.context).toEqual([]);
    expect(context.receipt.tokens).toBeLessThanOrEqual(12_000);
    expect(context.receipt.tokens).toBeGreaterThan(11_500);
    const pruned = context.pruned!;
    expect(pruned.entries[0]).toMatchObject({ key: 'output:ui', treatment: 'trimmed', afterTokens: context.receipt.entries[0]!.tokens });
    expect(pruned.entries[0]!.beforeTokens).toBeGreaterThan(50_000);
    expect(pruned.entries.slice(1).map((entry) => [entry.key, entry.treatment])).toEqual([
      ['message:x:1:1:m1', 'dropped'],
      ['output:api', 'dropped'],
      ['output:y', 'dropped'],
      ['output:x', 'dropped'],
    ]);
  });

  it('counts each source once however many tasks receive it', () => {
    const big = hugeListing();
    const fixture: RunFixture = { ...PIPELINE, outputs: { ...PIPELINE.outputs, ui: big } };
    const sources = sourcesOf(fixture);
    const memo = new SourceMemo('o200k_base');
    const request = requestFor(sources, 'review', { thresholdTokens: 12_000 });
    handOverContext(collectCandidates('shared', request, { maxOtherOutputs: 128, marks: new VisitMarks(), offersOutputs: true }), { thresholdTokens: 12_000, summaryTokens: 600 }, memo);
    const first = memo.countedCharacters;
    expect(first).toBeGreaterThanOrEqual(400_000);
    for (let task = 0; task < 5; task++) handOverContext(collectCandidates('shared', request, { maxOtherOutputs: 128, marks: new VisitMarks(), offersOutputs: true }), { thresholdTokens: 12_000, summaryTokens: 600 }, memo);
    expect(memo.countedCharacters).toBe(first);
  });

  it('is deterministic: the same sources give the same context', () => {
    const run = (): TaskContext => createContextStrategy('shared', { summaryTokens: 300 }).assemble(requestFor(sourcesOf(PIPELINE), 'review', { thresholdTokens: 3000 }));
    const first = run();
    expect(first.pruned).toBeDefined();
    expect(run()).toEqual(first);
  });
});

describe('replaying a receipt', () => {
  it('hands over exactly the receipt\'s entries with their treatments, rebuilt to the same texts, nothing the run produced since', () => {
    const strategy = createContextStrategy('shared', { summaryTokens: 300 });
    const first = strategy.assemble(requestFor(sourcesOf(PIPELINE), 'review', { thresholdTokens: 3200 }));
    expect(first.pruned).toBeDefined();
    expect(new Set(first.receipt.entries.map((entry) => entry.treatment))).toEqual(new Set(['whole', 'summary']));
    // Later the run has more: another finished output, another message.
    const later = sourcesOf({
      ...PIPELINE,
      tasks: [...PIPELINE.tasks, { id: 'z', agentName: 'other' }],
      outputs: { ...PIPELINE.outputs, z: report('z', 3) },
      finished: [...PIPELINE.finished, 'z'],
      messages: [...PIPELINE.messages!, { messageId: 'z:1:1:m1', taskId: 'z', from: 'other', to: '*', content: 'late news' }],
    });
    const fresh = createContextStrategy('shared', { summaryTokens: 300 });
    const replayed = fresh.assemble(requestFor(later, 'review', { thresholdTokens: 3200, replay: first.receipt }));
    expect(replayed.receipt).toEqual(first.receipt);
    expect(replayed.inputs).toEqual(first.inputs);
    expect(replayed.context).toEqual(first.context);
    // Without the receipt the same task would now see the new entries.
    expect(keysOf(fresh.assemble(requestFor(later, 'review', { thresholdTokens: 3200 })))).toContain('message:z:1:1:m1');
  });

  it('rebuilds trimmed dependencies to the same text', () => {
    const fixture: RunFixture = { ...PIPELINE, outputs: { ...PIPELINE.outputs, ui: hugeListing() } };
    const first = createContextStrategy('isolated').assemble(requestFor(sourcesOf(fixture), 'review', { thresholdTokens: 9000 }));
    const replayed = createContextStrategy('isolated').assemble(requestFor(sourcesOf(fixture), 'review', { thresholdTokens: 9000, replay: first.receipt }));
    expect(replayed.inputs).toEqual(first.inputs);
    expect(replayed.receipt).toEqual(first.receipt);
  });

  it('fails with JOURNAL_ERROR naming a key the run no longer has', () => {
    const first = createContextStrategy('shared').assemble(requestFor(sourcesOf(GRAPH), 'e'));
    const receipt = { ...first.receipt, entries: [...first.receipt.entries, { key: 'message:gone', relation: 'message' as const, treatment: 'whole' as const, tokens: 1, sourceTokens: 1 }] };
    expect(() => createContextStrategy('shared').assemble(requestFor(sourcesOf(GRAPH), 'e', { replay: receipt }))).toThrow(
      expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringContaining('message:gone') }),
    );
  });
});

describe('large runs', () => {
  it('bounds the outputs offered besides the dependencies, nearest ancestors first', () => {
    const tasks: TaskInput[] = Array.from({ length: 400 }, (_, index) => ({ id: `t${index}`, agentName: 'worker', dependencies: index === 0 ? [] : [`t${index - 1}`] }));
    const outputs = Object.fromEntries(tasks.map((task) => [task.id, `output of ${task.id}`]));
    const sources = sourcesOf({ tasks, outputs, finished: tasks.slice(0, 399).map((task) => task.id) });
    const context = createContextStrategy('hierarchical', { maxOtherOutputs: 50 }).assemble(requestFor(sources, 't399'));
    expect(context.inputs.map((input) => input.taskId)).toEqual(['t398']);
    expect(context.context.map((entry) => entry.source)).toEqual(Array.from({ length: 50 }, (_, index) => `t${397 - index}`));
  });

  it('offers no empty outputs, yet still applies the rules to messages in a run of silent agents', () => {
    const silent: RunFixture = { ...GRAPH, outputs: Object.fromEntries(Object.keys(GRAPH.outputs).map((id) => [id, ''])) };
    const hierarchical = createContextStrategy('hierarchical').assemble(requestFor(sourcesOf(silent), 'e'));
    expect(hierarchical.inputs).toEqual([{ taskId: 'd', agentName: 'integrator', output: '' }]);
    expect(keysOf(hierarchical)).toEqual(['message:a:1:1:m1', 'message:x:1:1:m2', 'message:c:1:1:m1', 'shared:api@2']);
    const quiet = createContextStrategy('shared').assemble(requestFor(sourcesOf(silent), 'e', { communication: false }));
    expect(quiet.context).toEqual([]);
    expect(quiet.receipt.entries.map((entry) => entry.key)).toEqual(['output:d']);
  });

  it('still tells far ancestors from strangers when the walk stopped early', () => {
    const chain: TaskInput[] = Array.from({ length: 300 }, (_, index) => ({ id: `t${index}`, agentName: 'worker', dependencies: index === 0 ? [] : [`t${index - 1}`] }));
    const tasks = [...chain, { id: 'stranger', agentName: 'other' }];
    const outputs = Object.fromEntries(tasks.map((task) => [task.id, `output of ${task.id}`]));
    const sources = sourcesOf({
      tasks,
      outputs,
      finished: [...chain.slice(0, 299).map((task) => task.id), 'stranger'],
      messages: [
        { messageId: 't3:1:1:m1', taskId: 't3', from: 'worker', to: '*', content: 'from a far ancestor' },
        { messageId: 'stranger:1:1:m1', taskId: 'stranger', from: 'other', to: '*', content: 'from a stranger' },
      ],
    });
    const hierarchical = createContextStrategy('hierarchical', { maxOtherOutputs: 10 }).assemble(requestFor(sources, 't299'));
    expect(keysOf(hierarchical).filter((key) => key.startsWith('message:'))).toEqual(['message:t3:1:1:m1']);
    // The pool is not reached past the limit: the stranger's output is not offered.
    const shared = createContextStrategy('shared', { maxOtherOutputs: 10 }).assemble(requestFor(sources, 't299'));
    expect(keysOf(shared)).not.toContain('output:stranger');
    expect(shared.context.filter((entry) => entry.relation === 'ancestor')).toHaveLength(10);
  });
});
