import { AgentOrchestrator } from '../src/index.js';
import { layeredDag, type LayeredDag } from './random-dag.js';

export interface Timing {
  start: number;
  end: number;
}

export interface MakespanSample {
  readonly seed: number;
  readonly concurrency: number;
  /** The scheduler handed every task's true latency as `estimatedMs` (an oracle no real run has). */
  readonly oracleRatio: number;
  /** The scheduler given no estimates: one unit per task (what a first run of unknown agents gets). */
  readonly noEstimateRatio: number;
  readonly levelByLevelRatio: number;
}

/** What the scheduler is told about task durations. */
export type EstimateMode = 'oracle' | 'none';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

/** Lower bound from the durations the tasks really took: max(critical path, total work / concurrency). */
export function lowerBound(dag: Pick<LayeredDag, 'tasks'>, timings: ReadonlyMap<string, Timing>, concurrency: number): number {
  const finish = new Map<string, number>();
  let work = 0;
  let criticalPath = 0;
  for (const task of dag.tasks) {
    const timing = timings.get(task.id)!;
    const duration = timing.end - timing.start;
    work += duration;
    const ready = Math.max(0, ...(task.dependencies ?? []).map((dependency) => finish.get(dependency)!));
    finish.set(task.id, ready + duration);
    criticalPath = Math.max(criticalPath, ready + duration);
  }
  return Math.max(criticalPath, work / concurrency);
}

/** First start to last end, in ms. */
export function span(timings: ReadonlyMap<string, Timing>): number {
  let first = Infinity;
  let last = 0;
  for (const timing of timings.values()) {
    first = Math.min(first, timing.start);
    last = Math.max(last, timing.end);
  }
  return last - first;
}

async function runEnsemble(dag: LayeredDag, concurrency: number, estimates: EstimateMode): Promise<Map<string, Timing>> {
  const timings = new Map<string, Timing>();
  const orchestrator = new AgentOrchestrator({ maxParallelAgents: concurrency, store: false, agentDirs: [] });
  orchestrator.registerAgent({
    name: 'sleeper',
    run: async (task, context) => {
      const start = performance.now();
      await sleep(dag.latencyMs.get(task.id)!, context.signal);
      timings.set(task.id, { start, end: performance.now() });
      return '';
    },
  });
  orchestrator.addTasks(estimates === 'oracle' ? dag.tasks : dag.tasks.map(({ estimatedMs: _estimatedMs, ...task }) => task));
  const outcome = await orchestrator.execute();
  if (outcome.status !== 'succeeded') throw new Error(`makespan run ${outcome.status}`);
  return timings;
}

/** Baseline: topological levels one after another, each level run with the same concurrency limit. */
async function runLevelByLevel(dag: LayeredDag, concurrency: number): Promise<Map<string, Timing>> {
  const timings = new Map<string, Timing>();
  const level = new Map<string, number>();
  for (const task of dag.tasks) level.set(task.id, Math.max(-1, ...(task.dependencies ?? []).map((dependency) => level.get(dependency)!)) + 1);
  const levels: string[][] = [];
  for (const [id, index] of level) (levels[index] ??= []).push(id);
  for (const ids of levels) {
    const queue = [...ids];
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const start = performance.now();
        await sleep(dag.latencyMs.get(id)!);
        timings.set(id, { start, end: performance.now() });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  }
  return timings;
}

export async function benchMakespan(graphCount = 20, taskCount = 60, medianMs = 20): Promise<MakespanSample[]> {
  const samples: MakespanSample[] = [];
  for (const concurrency of [4, 16]) {
    for (let seed = 1; seed <= graphCount; seed++) {
      const dag = layeredDag(taskCount, seed, 'sleeper', medianMs);
      const oracleTimings = await runEnsemble(dag, concurrency, 'oracle');
      const noEstimateTimings = await runEnsemble(dag, concurrency, 'none');
      const baselineTimings = await runLevelByLevel(dag, concurrency);
      samples.push({
        seed,
        concurrency,
        oracleRatio: span(oracleTimings) / lowerBound(dag, oracleTimings, concurrency),
        noEstimateRatio: span(noEstimateTimings) / lowerBound(dag, noEstimateTimings, concurrency),
        levelByLevelRatio: span(baselineTimings) / lowerBound(dag, baselineTimings, concurrency),
      });
    }
  }
  return samples;
}
