import { EnsembleError, type DispatchContext, type TaskEvidence, type TaskOutcome, type TaskRequest } from '../../core/index.js';
import { patchFilePath, readPatchFile } from '../patch-store.js';
import { fixSelectionSettingsSchema, type FixSelectionSettings } from '../schema.js';
import { toEvidenceDiff } from '../to-evidence-diff.js';
import { applyPatch, workspacePatchTarget } from '../workspace-copies/index.js';
import { composeJudgePrompt } from './compose-judge-prompt.js';
import { decideByVerification, isApplicable } from './decide-by-verification.js';
import type { CandidateVerification, FixCandidate, SelectionDecision } from './decide-by-verification.js';
import { describeVerification } from './describe-verification.js';
import { formatSelectionReport } from './format-selection-report.js';
import { parseJudgeVerdict } from './parse-judge-verdict.js';
import { resolveVerifyCommand } from './resolve-verify-command.js';
import { readSelectionRecord, writeSelectionRecord } from './selection-record.js';
import type { SelectionRecord } from './selection-record.js';
import { summarizePatch } from './summarize-patch.js';
import { verifyInCopy } from './verify-in-copy.js';

/** The agent name of the selector step: a dispatcher that isolates tasks runs it itself, and asks the agent of that name to judge. */
export const FIX_SELECTOR_AGENT = 'fix-selector';

/** What the selector needs besides the task. */
export interface SelectFixOptions {
  /** The data folder: patches of the candidates, and copies for verification. */
  readonly dataDir: string;
  /** Runs the judge (the agent named `fix-selector`) with a request whose prompt is the judge's. */
  readonly dispatchJudge: (request: TaskRequest, context: DispatchContext) => Promise<TaskOutcome>;
  /** The whole environment of verification commands (the agents' allow-list: no keys or tokens). */
  readonly verifyEnvironment: Readonly<Record<string, string>>;
  /** Readies the data folder for copies (sweeps what crashed runs left); awaited before the first one. */
  readonly prepareCopies: (workspace: string, signal: AbortSignal) => Promise<void>;
}

/**
 * The selector step of parallel fix attempts. Its candidates are the patches its dependencies
 * left (`isolation: worktree`); the first rule is the verification command, run on each candidate
 * in a fresh copy of the workspace (and once without any patch); when it cannot decide, the
 * `fix-selector` agent judges. Only the winner's patch is applied to the workspace, all or
 * nothing. The output is a report of every candidate, the rule that decided and why; no winner,
 * or a winner that no longer applies, fails the task with that report and leaves the workspace as
 * it was. The decision is stored before the patch is applied, so a re-run after a crash applies
 * the same winner (or finds it applied) instead of deciding again.
 */
export async function selectFix(request: TaskRequest, context: DispatchContext, options: SelectFixOptions): Promise<TaskOutcome> {
  const { task, runId } = request;
  const { signal, workspace } = context;
  const settings = readSettings(request);
  const candidates = await readCandidates(request, options.dataDir);
  const recorded = await readSelectionRecord(options.dataDir, runId, task.id);
  const recordedWinner = candidates.find((candidate) => candidate.taskId === recorded?.winner);
  if (recorded !== undefined && recordedWinner !== undefined) return applyRecordedSelection(request, context, options.dataDir, recorded, recordedWinner);

  const command = await resolveVerifyCommand(settings.verifyCommand, workspace);
  const progress = (line: string): void => context.reportOutput(`${line}\n`);
  let verified = candidates;
  let baseline: CandidateVerification | undefined;
  if (command !== undefined && candidates.some((candidate) => candidate.patch.length > 0)) {
    await options.prepareCopies(workspace, signal);
    const verify = (label: string, patch: Buffer | undefined): Promise<CandidateVerification> =>
      verifyInCopy({ context, dataDir: options.dataDir, runId, label: `${task.id}-${label}`, command, env: options.verifyEnvironment, timeoutMs: settings.verifyTimeoutMs, patch });
    progress(`verifying the workspace without any patch: ${command.text}`);
    baseline = await verify('baseline', undefined);
    progress(`  ${describeVerification(baseline, command.text)}`);
    verified = [];
    for (const candidate of candidates) {
      if (candidate.patch.length === 0) {
        verified.push(candidate);
        continue;
      }
      progress(`verifying ${candidate.taskId}`);
      const verification = await verify(candidate.taskId, candidate.patch);
      progress(`  ${describeVerification(verification, command.text)}`);
      verified.push({ ...candidate, verification });
    }
  }
  const verificationDecision = decideByVerification({ candidates: verified, ...(command === undefined ? {} : { command: command.text }), ...(baseline === undefined ? {} : { baseline }) });
  let decision = verificationDecision;
  let judge: TaskOutcome | undefined;
  if (verificationDecision.kind === 'judge') {
    progress(`asking the ${FIX_SELECTOR_AGENT} agent to judge: ${verificationDecision.reason}`);
    // A patch that does not apply to the workspace as it is now could not be applied if it won.
    const judged = verified.filter(isApplicable);
    const prompt = composeJudgePrompt({ brief: task.prompt, candidates: judged, reason: verificationDecision.reason, ...(command === undefined ? {} : { command: command.text }) });
    // The judge gets no `context`: fixSelection is the selector's setting, not something for a model to read.
    const { context: _settings, ...judgeTask } = task;
    judge = await options.dispatchJudge({ ...request, task: { ...judgeTask, prompt } }, context);
    decision = toJudgeDecision(judge, judged.map((candidate) => candidate.taskId));
  }
  const target = await workspacePatchTarget(workspace, signal);
  const report = (isApplied: boolean): string =>
    formatSelectionReport({
      candidates: verified,
      verificationDecision,
      decision,
      ...(command === undefined ? {} : { command: command.text, commandSource: command.source }),
      ...(baseline === undefined ? {} : { baseline }),
      ...(judge === undefined ? {} : { judgeOutput: judge.output }),
      ...(isApplied ? { application: { workspace: target.root, status: 'applied' as const } } : {}),
    });
  const winner = decision.kind === 'winner' ? verified.find((candidate) => candidate.taskId === decision.taskId) : undefined;
  if (winner === undefined) {
    throw new EnsembleError('AGENT_FAILED', `${task.id}: no fix selected: ${decision.reason}; the workspace is unchanged`, {
      // A judge that wrote no readable verdict may write one when asked again.
      retryable: decision.kind === 'judge',
      details: { taskId: task.id, report: report(false) },
    });
  }
  const winnerRun = winner.verification?.status === 'ran' ? winner.verification.run : undefined;
  const record: SelectionRecord = {
    winner: winner.taskId,
    output: report(true),
    runtime: judge?.evidence?.runtime ?? FIX_SELECTOR_AGENT,
    ...(command === undefined ? {} : { command: [...command.argv] }),
    ...(winnerRun === undefined || winnerRun.exitCode === null ? {} : { exitCode: winnerRun.exitCode }),
  };
  await writeSelectionRecord(options.dataDir, runId, task.id, record);
  const outcome = await applyRecordedSelection(request, context, options.dataDir, record, winner);
  return {
    ...outcome,
    ...(judge?.usage === undefined ? {} : { usage: judge.usage }),
    ...(judge?.costUsd === undefined ? {} : { costUsd: judge.costUsd }),
    ...(judge?.model === undefined ? {} : { model: judge.model }),
    evidence: { ...judge?.evidence, ...outcome.evidence },
  };
}

/** Applies a decided winner to the workspace (or finds it there) and answers with the decision's report. */
async function applyRecordedSelection(request: TaskRequest, context: DispatchContext, dataDir: string, record: SelectionRecord, winner: FixCandidate): Promise<TaskOutcome> {
  const { task, runId } = request;
  const target = await workspacePatchTarget(context.workspace, context.signal);
  const application = await applyPatch(target, winner.patch, context.signal);
  if (application.status === 'rejected') {
    throw new EnsembleError(
      'AGENT_FAILED',
      `${task.id}: ${winner.taskId} was selected, but its patch no longer applies to ${target.root} (it changed since the attempts started): ${application.reason}; nothing was applied`,
      { details: { taskId: task.id, winner: winner.taskId, report: record.output } },
    );
  }
  context.reportOutput(`${application.status === 'applied' ? 'applied' : 'found already applied (an earlier execution of this step applied it)'}: ${winner.taskId}\n`);
  const evidence: TaskEvidence = {
    runtime: record.runtime,
    diff: toEvidenceDiff(winner.patch, patchFilePath(dataDir, runId, winner.taskId)),
    ...(record.command === undefined ? {} : { command: record.command }),
    ...(record.exitCode === undefined ? {} : { exitCode: record.exitCode }),
  };
  return { output: record.output, evidence };
}

/** The candidates: each dependency's stored patch, in dependency (attempt) order. */
async function readCandidates(request: TaskRequest, dataDir: string): Promise<FixCandidate[]> {
  const { task, runId } = request;
  if (task.isolation !== undefined) {
    throw new EnsembleError('INVALID_INPUT', `tasks.${task.id}: a ${FIX_SELECTOR_AGENT} task applies the winner to the workspace itself; remove its isolation`, { details: { taskId: task.id } });
  }
  if (task.dependencies.length === 0) {
    throw new EnsembleError('INVALID_INPUT', `tasks.${task.id}: a ${FIX_SELECTOR_AGENT} task selects among its dependencies (fix attempts with isolation: worktree), and it has none`, {
      details: { taskId: task.id },
    });
  }
  // Attempts that failed are no candidates: the selector runs after any attempt succeeded, with those attempts' outputs as inputs.
  const succeeded = new Set(request.inputs.map((input) => input.taskId));
  const attempts = task.dependencies.filter((taskId) => succeeded.has(taskId));
  if (attempts.length === 0) {
    throw new EnsembleError('AGENT_FAILED', `${task.id}: none of ${task.dependencies.join(', ')} succeeded, so there is no fix to select`, { details: { taskId: task.id } });
  }
  const patches = await Promise.all(attempts.map((taskId) => readPatchFile(dataDir, runId, taskId)));
  const missing = attempts.filter((_, index) => patches[index] === undefined);
  if (missing.length > 0) {
    throw new EnsembleError(
      'AGENT_FAILED',
      `${task.id}: no patch was stored for ${missing.join(', ')} (looked for ${patchFilePath(dataDir, runId, missing[0] as string)}); candidates of ${FIX_SELECTOR_AGENT} must run with isolation: worktree`,
      { details: { taskId: task.id, missing } },
    );
  }
  return attempts.map((taskId, index) => {
    const patch = patches[index] as Buffer;
    return { taskId, order: task.dependencies.indexOf(taskId), patch, summary: summarizePatch(patch) };
  });
}

function readSettings(request: TaskRequest): FixSelectionSettings {
  const parsed = fixSelectionSettingsSchema.safeParse(request.task.context?.['fixSelection'] ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = [`tasks.${request.task.id}.context.fixSelection`, ...(issue?.path ?? []).map(String)].join('.');
  throw new EnsembleError('INVALID_INPUT', `${path}: ${issue?.message ?? 'invalid'}`, { details: { taskId: request.task.id } });
}

function toJudgeDecision(judge: TaskOutcome, candidateIds: readonly string[]): SelectionDecision {
  const verdict = parseJudgeVerdict(judge.output, candidateIds);
  if (verdict.kind === 'winner') return { kind: 'winner', taskId: verdict.taskId, rule: 'judge', reason: `the ${FIX_SELECTOR_AGENT} agent chose ${verdict.taskId} (WINNER: ${verdict.taskId})` };
  if (verdict.kind === 'none') return { kind: 'none', reason: `the ${FIX_SELECTOR_AGENT} agent judged that no candidate should be applied (WINNER: none)` };
  const simulated = judge.evidence?.simulated === true ? ' (the judge ran simulated: no model provider is configured)' : '';
  return { kind: 'judge', reason: `${verdict.reason}${simulated}` };
}
