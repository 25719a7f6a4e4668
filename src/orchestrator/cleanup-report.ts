/** What `ensemble cleanup` looks for, in the order it looks. */
export const CLEANUP_ITEM_KINDS = [
  'process-group',
  'agent-processes',
  'cgroup',
  'scratch-folder',
  'lease',
  'workspace-copy',
  'patches',
  'ticket-worktree',
  'worktree-registration',
  // A run of the journal that could not be read: nothing of it is touched.
  'run',
] as const;
export type CleanupItemKind = (typeof CLEANUP_ITEM_KINDS)[number];

/** One thing cleanup removed (or, in a dry run, would remove), kept, or failed to remove. */
export interface CleanupItem {
  readonly kind: CleanupItemKind;
  /** What it is: a path, a process group, a lease. */
  readonly subject: string;
  /** The run it belonged to, when one is known. */
  readonly runId?: string;
  /** Why it was kept. */
  readonly reason?: string;
  /** Why it could not be removed. */
  readonly error?: string;
}

/** What `cleanup` did, as recorded in the journal's maintenance log and printed by `ensemble cleanup --json`. */
export interface CleanupReport {
  /** Its row in `maintenance_actions`. */
  readonly actionId: number;
  readonly host: string;
  /** Nothing was removed: `removed` lists what would have been. */
  readonly dryRun: boolean;
  readonly removed: readonly CleanupItem[];
  readonly kept: readonly CleanupItem[];
  readonly failed: readonly CleanupItem[];
}

/** Collects cleanup's findings; a step that throws becomes one failed item of its kind, and the next step runs. */
export class CleanupTally {
  private readonly removed: CleanupItem[] = [];
  private readonly kept: CleanupItem[] = [];
  private readonly failed: CleanupItem[] = [];

  constructor(private readonly isDryRun: boolean) {}

  remove(kind: CleanupItemKind, subject: string, runId?: string): void {
    this.removed.push({ kind, subject, ...(runId === undefined ? {} : { runId }) });
  }

  keep(kind: CleanupItemKind, subject: string, reason: string, runId?: string): void {
    this.kept.push({ kind, subject, ...(runId === undefined ? {} : { runId }), reason });
  }

  fail(kind: CleanupItemKind, subject: string, error: unknown, runId?: string): void {
    this.failed.push({ kind, subject, ...(runId === undefined ? {} : { runId }), error: error instanceof Error ? error.message : String(error) });
  }

  /** Runs one step; if it throws, records the failure under `kind` and resolves with undefined. */
  async step<T>(kind: CleanupItemKind, body: () => Promise<T>): Promise<T | undefined> {
    try {
      return await body();
    } catch (error) {
      this.fail(kind, `looking for ${kind} leftovers`, error);
      return undefined;
    }
  }

  toReport(actionId: number, host: string): CleanupReport {
    return { actionId, host, dryRun: this.isDryRun, removed: [...this.removed], kept: [...this.kept], failed: [...this.failed] };
  }
}
