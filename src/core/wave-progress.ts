import type { TaskGraph } from './task-graph.js';

/**
 * Progress of a graph's waves (its topological levels): a wave starts with its first task and
 * completes with its last, if it started; a wave whose tasks all ended in an earlier execution is
 * not announced again.
 */
export class WaveProgress {
  private readonly sizes: Int32Array;
  private readonly remaining: Int32Array;
  private readonly started: Uint8Array;

  constructor(graph: TaskGraph) {
    this.sizes = new Int32Array(graph.levelCount);
    this.remaining = new Int32Array(graph.levelCount);
    this.started = new Uint8Array(graph.levelCount);
    for (let index = 0; index < graph.tasks.length; index++) this.sizes[graph.levels[index]!]!++;
    this.remaining.set(this.sizes);
  }

  /** Tasks in the wave. */
  sizeOf(level: number): number {
    return this.sizes[level]!;
  }

  /**
   * The progress of `graph`, which holds the graph this progress was made for at its first
   * `oldCount` indexes plus added tasks: counts rebuilt, what already started or ended kept.
   */
  extend(graph: TaskGraph, oldCount: number, hasStarted: (index: number) => boolean, hasEnded: (index: number) => boolean): WaveProgress {
    const next = new WaveProgress(graph);
    for (let level = 0; level < this.started.length; level++) next.started[level] = this.started[level]!;
    for (let index = 0; index < oldCount; index++) {
      const level = graph.levels[index]!;
      if (hasStarted(index)) next.started[level] = 1;
      if (hasEnded(index)) next.remaining[level]!--;
    }
    return next;
  }

  /** A task of the wave starts an attempt: true if it is the first to, so the wave starts. */
  startTask(level: number): boolean {
    if (this.started[level] === 1) return false;
    this.started[level] = 1;
    return true;
  }

  /** A task of the wave ended for good: true if it was the last and the wave had started, so the wave completes. */
  endTask(level: number): boolean {
    return --this.remaining[level]! === 0 && this.started[level] === 1;
  }
}
