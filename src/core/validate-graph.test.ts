import { describe, expect, it } from 'vitest';
import { taskSpecSchema, type TaskInput } from './schema.js';
import { validateGraph } from './validate-graph.js';

const parse = (inputs: TaskInput[]) => inputs.map((input) => taskSpecSchema.parse(input));
const task = (id: string, dependencies: string[] = [], agentName = 'worker'): TaskInput => ({ id, agentName, dependencies });

describe('validateGraph', () => {
  it('accepts a DAG and orders it topologically with levels', () => {
    const result = validateGraph(parse([task('c', ['a', 'b']), task('a'), task('b', ['a'])]));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const ids = [...result.graph.topologicalOrder].map((index) => result.graph.tasks[index]!.id);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect([...result.graph.levels]).toEqual([2, 0, 1]);
  });

  it('names the ids on a cycle, in execution order', () => {
    const result = validateGraph(parse([task('a', ['c']), task('b', ['a']), task('c', ['b']), task('free')]));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ code: 'GRAPH_CYCLE' });
    expect([...result.issues[0]!.taskIds].sort()).toEqual(['a', 'b', 'c']);
    expect(result.issues[0]!.message).toMatch(/dependency cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/);
  });

  it('reports a self-dependency as a cycle', () => {
    const result = validateGraph(parse([task('loop', ['loop'])]));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]!.message).toBe('dependency cycle: loop -> loop');
  });

  it('reports every problem at once: duplicates, unknown dependencies, unknown agents', () => {
    const result = validateGraph(parse([task('a'), task('a'), task('b', ['desgin-api'], 'ghost-agent')]), {
      isKnownAgent: (name) => name === 'worker',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.message)).toEqual([
      'tasks[1].id: duplicate task id "a" (first used by tasks[0])',
      'tasks[2].dependencies[0]: task "b" depends on unknown task "desgin-api"',
      'tasks[2].agentName: task "b" uses unknown agent "ghost-agent"',
    ]);
  });

  it('reports one unknown agent used by 300 tasks once, naming the count, the first tasks and the likely name (issue 6)', () => {
    const inputs = Array.from({ length: 300 }, (_, index) => task(`t${index}`, [], 'backend-archtect'));
    inputs.push(task('fine'), task('other', [], 'ghost'));
    const result = validateGraph(parse(inputs), {
      isKnownAgent: (name) => name === 'worker' || name === 'backend-architect',
      suggestAgent: (name) => (name === 'backend-archtect' ? 'backend-architect' : undefined),
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.message)).toEqual([
      'tasks[0].agentName: unknown agent "backend-archtect", used by 300 tasks ("t0", "t1", "t2", "t3", "t4", … and 295 more); did you mean "backend-architect"?',
      'tasks[301].agentName: task "other" uses unknown agent "ghost"',
    ]);
    expect(result.issues[0]).toMatchObject({ code: 'UNKNOWN_AGENT' });
    expect(result.issues[0]!.taskIds).toHaveLength(300);
  });

  it('rejects an empty workflow', () => {
    const result = validateGraph([]);
    expect(result.ok).toBe(false);
  });

  it('caps repeated issues of one kind and says how many were left out', () => {
    const inputs = Array.from({ length: 30 }, (_, index) => task(`t${index}`, ['missing']));
    const result = validateGraph(parse(inputs), { maxIssuesPerKind: 5 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(6);
    expect(result.issues.at(-1)!.message).toBe('... and 25 more GRAPH_UNKNOWN_DEPENDENCY problems');
  });

  it('handles a 50,000-task chain without recursion limits', () => {
    const inputs = Array.from({ length: 50_000 }, (_, index) => task(`t${index}`, index === 0 ? ['t49999'] : [`t${index - 1}`]));
    const result = validateGraph(parse(inputs));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]!.taskIds).toHaveLength(50_000);
  });
});
