import { hostname } from 'node:os';
import type { DispatchContext } from '../../core/index.js';
import { readProcessStartTicks } from '../../host/index.js';
import { applyPatch, copyPatchTarget, createWorkspaceCopy, removeWorkspaceCopy } from '../workspace-copies/index.js';
import type { CandidateVerification } from './decide-by-verification.js';
import type { VerifyCommand } from './resolve-verify-command.js';
import { runVerifyCommand } from './run-verify-command.js';

/** One verification run to make. */
export interface VerifyInCopyInput {
  readonly context: DispatchContext;
  readonly dataDir: string;
  readonly runId: string;
  /** Names the copy's folder (the selector's task id and the candidate). */
  readonly label: string;
  readonly command: VerifyCommand;
  /** The command's whole environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** The candidate's patch; undefined for the baseline (the workspace as it is). */
  readonly patch: Buffer | undefined;
}

/**
 * Runs the verification command in a fresh copy of the workspace with `patch` applied, then
 * removes the copy (also on abort). A patch that does not apply to the copy is `not-applied`, and
 * the command is not run. The command's process group is journaled (`agent:process`), so a resume
 * after a crash kills what is left of it.
 */
export async function verifyInCopy(input: VerifyInCopyInput): Promise<CandidateVerification> {
  const { context } = input;
  const copy = await createWorkspaceCopy({ workspace: context.workspace, dataDir: input.dataDir, runId: input.runId, label: input.label, signal: context.signal });
  try {
    if (input.patch !== undefined) {
      const application = await applyPatch(copyPatchTarget(copy), input.patch, context.signal);
      if (application.status !== 'applied') {
        return { status: 'not-applied', reason: application.status === 'rejected' ? application.reason : 'the workspace already holds this change' };
      }
    }
    let startTicks: number | undefined;
    const run = await runVerifyCommand(input.command.argv, {
      cwd: copy.workspaceDir,
      env: input.env,
      timeoutMs: input.timeoutMs,
      signal: context.signal,
      onProcess: (state, pid) => {
        if (state === 'started') startTicks = readProcessStartTicks(pid);
        context.reportEvent('agent:process', { state, pid, pgid: pid, host: hostname(), ...(startTicks === undefined ? {} : { startTicks }) });
      },
    });
    return { status: 'ran', run };
  } finally {
    await removeWorkspaceCopy(copy);
  }
}
