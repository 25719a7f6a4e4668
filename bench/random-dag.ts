import { createRandom, type TaskInput } from '../src/index.js';

/** Lognormal sample with the given median (sigma in log space), via Box-Muller. */
export function sampleLognormal(random: () => number, medianMs: number, sigma: number): number {
  const u = Math.max(random(), Number.EPSILON);
  const v = random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return medianMs * Math.exp(sigma * normal);
}

/** A random DAG where each task depends on up to `maxDependencies` earlier tasks. */
export function randomDag(taskCount: number, seed: number, agentName: string, maxDependencies = 3): TaskInput[] {
  const random = createRandom(seed);
  const tasks: TaskInput[] = [];
  for (let index = 0; index < taskCount; index++) {
    const dependencies = new Set<string>();
    if (index > 0) {
      const count = Math.floor(random() * (maxDependencies + 1));
      for (let k = 0; k < count; k++) dependencies.add(`t${Math.floor(random() * index)}`);
    }
    tasks.push({ id: `t${index}`, agentName, dependencies: [...dependencies] });
  }
  return tasks;
}

export interface LayeredDag {
  readonly tasks: TaskInput[];
  readonly latencyMs: Map<string, number>;
  readonly layers: string[][];
}

/** A layered DAG: tasks in 4-8 layers, each depending on 1-3 tasks of earlier layers. */
export function layeredDag(taskCount: number, seed: number, agentName: string, medianMs: number): LayeredDag {
  const random = createRandom(seed);
  const layerCount = 4 + Math.floor(random() * 5);
  const layers: string[][] = Array.from({ length: layerCount }, () => []);
  const tasks: TaskInput[] = [];
  const latencyMs = new Map<string, number>();
  for (let index = 0; index < taskCount; index++) {
    // Every layer gets at least one task; the rest are spread at random.
    const layer = index < layerCount ? index : Math.floor(random() * layerCount);
    const id = `t${index}`;
    const dependencies = new Set<string>();
    if (layer > 0) {
      const earlier = layers.slice(0, layer).flat();
      const count = 1 + Math.floor(random() * 3);
      // At least one dependency from the layer just before keeps the layer structure real.
      const previous = layers[layer - 1]!;
      if (previous.length > 0) dependencies.add(previous[Math.floor(random() * previous.length)]!);
      for (let k = 1; k < count; k++) dependencies.add(earlier[Math.floor(random() * earlier.length)]!);
    }
    layers[layer]!.push(id);
    const latency = sampleLognormal(random, medianMs, 0.6);
    latencyMs.set(id, latency);
    tasks.push({ id, agentName, dependencies: [...dependencies], estimatedMs: latency });
  }
  return { tasks, latencyMs, layers };
}
