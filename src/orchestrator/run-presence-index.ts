import type { RunStatus } from '../core/index.js';
import type { RecordedOwner, RunStore } from '../store/index.js';
import { toRunPresence, type RunPresence } from './leftover-verdicts.js';

/** Where each run stands for cleanup, read from the journal once per run (see {@link RunPresence}). */
export class RunPresenceIndex {
  private readonly known = new Map<string, { readonly presence: RunPresence; readonly status?: RunStatus }>();

  constructor(
    private readonly store: RunStore,
    private readonly isOwnerAlive: (owner: RecordedOwner) => boolean,
    /** Told once per run whose row does not read back; such a run counts as live, so nothing of it is touched. */
    private readonly onUnreadable: (runId: string, error: unknown) => void,
  ) {}

  /** The run's presence as first read. */
  of(runId: string): RunPresence {
    return this.read(runId, false).presence;
  }

  /** The run's status as first read (`interrupted` for a running run whose owner is gone); undefined when the journal has no such run. */
  statusOf(runId: string): RunStatus | undefined {
    return this.read(runId, false).status;
  }

  /** The run's presence read again now, just before something of it is removed. */
  fresh(runId: string): RunPresence {
    return this.read(runId, true).presence;
  }

  private read(runId: string, isFresh: boolean): { readonly presence: RunPresence; readonly status?: RunStatus } {
    const cached = this.known.get(runId);
    if (cached !== undefined && !isFresh) return cached;
    let entry: { readonly presence: RunPresence; readonly status?: RunStatus };
    try {
      const run = this.store.getRun(runId);
      const presence = toRunPresence(run, this.isOwnerAlive);
      // A dry run does not mark runs whose owner died: such a run is named for what it is, interrupted.
      const status = run?.status === 'running' && presence !== 'live' ? 'interrupted' : run?.status;
      entry = { presence, ...(status === undefined ? {} : { status }) };
    } catch (error) {
      // When in doubt, keep: a run that cannot be read may be running.
      if (cached === undefined) this.onUnreadable(runId, error);
      entry = { presence: 'live' };
    }
    this.known.set(runId, entry);
    return entry;
  }
}
