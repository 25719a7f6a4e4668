import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentOrchestrator, type TaskInput } from '../src/index.js';

export interface OverheadResult {
  readonly name: string;
  readonly taskCount: number;
  readonly journal: boolean;
  readonly microsecondsPerTask: number;
}

const noopAgent = { name: 'noop', run: () => '' };

function chain(taskCount: number): TaskInput[] {
  return Array.from({ length: taskCount }, (_, index) => ({ id: `t${index}`, agentName: 'noop', dependencies: index === 0 ? [] : [`t${index - 1}`] }));
}

function fanOut(taskCount: number): TaskInput[] {
  return Array.from({ length: taskCount }, (_, index) => ({ id: `t${index}`, agentName: 'noop', dependencies: index === 0 ? [] : ['t0'] }));
}

/** Wall time of one whole run (validation, scheduling, events, journal) divided by its tasks. */
export async function measureRun(tasks: readonly TaskInput[], options: { journal: boolean; concurrency: number }): Promise<number> {
  const folder = mkdtempSync(join(tmpdir(), 'ensemble-bench-'));
  try {
    const orchestrator = new AgentOrchestrator({
      maxParallelAgents: options.concurrency,
      store: options.journal ? join(folder, 'bench.db') : false,
      agentDirs: [],
      workspaceDir: folder,
    });
    orchestrator.registerAgent(noopAgent);
    const started = process.hrtime.bigint();
    orchestrator.addTasks(tasks);
    const outcome = await orchestrator.execute();
    const elapsedNs = Number(process.hrtime.bigint() - started);
    if (outcome.status !== 'succeeded') throw new Error(`benchmark run ${outcome.status}`);
    return elapsedNs / 1000;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function benchOverhead(repetitions = 5): Promise<OverheadResult[]> {
  const cases = [
    { name: '2,000-task chain', tasks: chain(2000) },
    { name: '5,000-task fan-out', tasks: fanOut(5000) },
  ];
  const results: OverheadResult[] = [];
  for (const journal of [false, true]) {
    for (const benchCase of cases) {
      await measureRun(benchCase.tasks, { journal, concurrency: 16 }); // warm-up
      const samples: number[] = [];
      for (let repetition = 0; repetition < repetitions; repetition++) samples.push(await measureRun(benchCase.tasks, { journal, concurrency: 16 }));
      results.push({ name: benchCase.name, taskCount: benchCase.tasks.length, journal, microsecondsPerTask: medianOf(samples) / benchCase.tasks.length });
    }
  }
  return results;
}
