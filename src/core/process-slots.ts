/**
 * The slots process agents (`cli`, `command`) of every run in this process start in: at most
 * `limit` hold one at once. The limit moves with host pressure; lowering it never takes a slot
 * back (running agents finish), it only makes `tryAcquire` refuse until enough are released.
 * Listeners hear when a slot may have become free (a release, a higher limit), so schedulers
 * holding ready tasks ask again. Pure counting: who sets the limit is the pressure monitor.
 */
export class ProcessSlots {
  private current: number;
  private held = 0;
  private readonly listeners = new Set<() => void>();

  constructor(initialLimit: number) {
    this.current = Math.max(1, Math.floor(initialLimit));
  }

  /** Process agents that may run at once now. */
  get limit(): number {
    return this.current;
  }

  /** Slots held now. */
  get running(): number {
    return this.held;
  }

  /** Sets the limit (at least one); listeners hear of it when it grew. */
  setLimit(limit: number): void {
    const next = Math.max(1, Math.floor(limit));
    const grew = next > this.current;
    this.current = next;
    if (grew) this.notify();
  }

  /** Takes a slot when one is free. */
  tryAcquire(): boolean {
    if (this.held >= this.current) return false;
    this.held++;
    return true;
  }

  /** Gives a slot back; listeners hear of it. */
  release(): void {
    if (this.held === 0) return;
    this.held--;
    this.notify();
  }

  /** Calls `listener` whenever a slot may have become free; returns the unsubscribe. */
  onAvailable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
