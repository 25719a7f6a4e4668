import { resolve } from 'node:path';
import type { DispatchContext, InvocationInfo, TaskDispatcher, TaskEvidence, TaskOutcome, TaskRequest, TaskSpec } from '../core/index.js';
import { FIX_SELECTOR_AGENT, selectFix } from './fix-selection/index.js';
import { removePatchFile, writePatchFile } from './patch-store.js';
import { toEvidenceDiff } from './to-evidence-diff.js';
import { captureCopyChange, createWorkspaceCopy, describeWorkspace, removeWorkspaceCopy, sweepLeftoverCopies } from './workspace-copies/index.js';

/** Options of {@link IsolatingDispatcher}. */
export interface IsolatingDispatcherOptions {
  /** The data folder (`$ENSEMBLE_HOME`, or the journal's folder): copies live in `worktrees/`, patches in `patches/`. */
  readonly dataDir: string;
  /**
   * The whole environment of the selector's verification commands: the one process agents get
   * (`buildAgentEnvironment(process.env, undefined, {})`), so tests see no keys or tokens.
   */
  readonly verifyEnvironment: Readonly<Record<string, string>>;
}

/**
 * Wraps a dispatcher so that a task with `isolation: 'worktree'` works in a private copy of the
 * workspace (a git worktree of HEAD with the user's uncommitted and untracked files brought
 * across, or a copied folder outside git): its change never touches the workspace, and is kept
 * as a binary patch in `<dataDir>/patches/<runId>/<taskId>.patch` and as the attempt's
 * `evidence.diff`. The copy is removed after the attempt, also when it fails or is aborted; the
 * first isolated attempt sweeps the copies crashed processes left. Tasks of the `fix-selector`
 * agent are the selector step (see `selectFix`): this dispatcher runs them itself, and hands the
 * inner dispatcher only the judge. Every other task goes to the inner dispatcher unchanged.
 */
export class IsolatingDispatcher implements TaskDispatcher {
  private readonly inner: TaskDispatcher;
  private readonly dataDir: string;
  private readonly verifyEnvironment: Readonly<Record<string, string>>;
  private swept: Promise<void> | undefined;

  constructor(inner: TaskDispatcher, options: IsolatingDispatcherOptions) {
    this.inner = inner;
    this.dataDir = resolve(options.dataDir);
    this.verifyEnvironment = options.verifyEnvironment;
  }

  describe(task: TaskSpec): InvocationInfo {
    return this.inner.describe(task);
  }

  dispatch(request: TaskRequest, context: DispatchContext): Promise<TaskOutcome> {
    if (request.task.agentName === FIX_SELECTOR_AGENT) {
      return selectFix(request, context, {
        dataDir: this.dataDir,
        verifyEnvironment: this.verifyEnvironment,
        dispatchJudge: (judgeRequest, judgeContext) => this.inner.dispatch(judgeRequest, judgeContext),
        prepareCopies: (workspace, signal) => this.sweepOnce(workspace, signal),
      });
    }
    if (request.task.isolation !== 'worktree') return this.inner.dispatch(request, context);
    return this.dispatchIsolated(request, context);
  }

  private async dispatchIsolated(request: TaskRequest, context: DispatchContext): Promise<TaskOutcome> {
    const { runId, task } = request;
    const { signal } = context;
    await this.sweepOnce(context.workspace, signal);
    // An earlier attempt's patch (one that crashed after storing it) must not stand for this one.
    await removePatchFile(this.dataDir, runId, task.id);
    const copy = await createWorkspaceCopy({ workspace: context.workspace, dataDir: this.dataDir, runId, label: `${task.id}-${request.attempt}`, signal });
    try {
      const outcome = await this.inner.dispatch(request, { ...context, workspace: copy.workspaceDir });
      const patch = await captureCopyChange(copy, signal);
      const patchFile = await writePatchFile(this.dataDir, runId, task.id, patch);
      return { ...outcome, evidence: withPatch(outcome.evidence, patch, patchFile) };
    } finally {
      await removeWorkspaceCopy(copy);
    }
  }

  /** Sweeps leftovers of crashed runs once per dispatcher, before its first copy; a failed sweep is tried again next time. */
  private sweepOnce(workspace: string, signal: AbortSignal): Promise<void> {
    this.swept ??= (async () => {
      const shape = await describeWorkspace(workspace, signal);
      await sweepLeftoverCopies({ dataDir: this.dataDir, signal, ...(shape.kind === 'git' ? { repository: shape.topLevel } : {}) });
    })().catch((error: unknown) => {
      this.swept = undefined;
      throw error;
    });
    return this.swept;
  }
}

/** The attempt's evidence with the copy's patch as its diff; `diffShared` goes, since nobody else worked in the copy. */
function withPatch(evidence: TaskEvidence | undefined, patch: Buffer, patchFile: string): TaskEvidence {
  const { diffShared: _diffShared, diff: _diff, ...rest } = evidence ?? {};
  return { ...rest, ...(patch.length === 0 ? {} : { diff: toEvidenceDiff(patch, patchFile) }) };
}

