/**
 * Binary max-heap of task indexes ordered by priority, then remaining critical path, then
 * declaration order (lower index first), so equal tasks start in the order they were written.
 */
export class ReadyQueue {
  private readonly heap: number[] = [];

  constructor(
    private priorities: ArrayLike<number>,
    private criticalPaths: ArrayLike<number>,
  ) {}

  /** Takes new ordering columns (tasks were added to the graph) and restores the heap order under them. */
  reorder(priorities: ArrayLike<number>, criticalPaths: ArrayLike<number>): void {
    this.priorities = priorities;
    this.criticalPaths = criticalPaths;
    for (const task of this.drain()) this.push(task);
  }

  get size(): number {
    return this.heap.length;
  }

  push(task: number): void {
    const heap = this.heap;
    heap.push(task);
    let child = heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.isBefore(task, heap[parent]!)) break;
      heap[child] = heap[parent]!;
      child = parent;
    }
    heap[child] = task;
  }

  pop(): number | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let parent = 0;
      const length = heap.length;
      for (;;) {
        const left = 2 * parent + 1;
        if (left >= length) break;
        const right = left + 1;
        const child = right < length && this.isBefore(heap[right]!, heap[left]!) ? right : left;
        if (!this.isBefore(heap[child]!, last)) break;
        heap[parent] = heap[child]!;
        parent = child;
      }
      heap[parent] = last;
    }
    return top;
  }

  /** Removes every entry, returning them (in no particular order). */
  drain(): number[] {
    return this.heap.splice(0, this.heap.length);
  }

  private isBefore(a: number, b: number): boolean {
    const priorityA = this.priorities[a]!;
    const priorityB = this.priorities[b]!;
    if (priorityA !== priorityB) return priorityA > priorityB;
    const pathA = this.criticalPaths[a]!;
    const pathB = this.criticalPaths[b]!;
    if (pathA !== pathB) return pathA > pathB;
    return a < b;
  }
}
