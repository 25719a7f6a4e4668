import { EnsembleError } from '../../core/index.js';
import { loadAgentRegistry } from '../../agents/index.js';
import { stderrLogger } from '../../host/index.js';
import { AgentOrchestrator, type SettingOverride } from '../../orchestrator/index.js';
import { conversationWiring, requireKnownAgents, withRunStore, type ConversationOptions } from '../conversation-run.js';
import type { MeetingResult } from './conduct-meeting.js';
import { driveMeeting, readPriorMeetingProgress, type PriorMeetingProgress } from './drive-meeting.js';
import { buildMeetingTranscript } from './meeting-transcript.js';
import { readMeetingPlan } from './resolve-meeting-plan.js';
import type { MeetingPlan } from '../schema.js';

/** Options of {@link continueMeeting}. */
export interface ContinueMeetingOptions extends ConversationOptions {
  /**
   * The orchestrator to resume with, configured but not started (the CLI's `resume`, with its
   * flags as overrides of the run's stored settings). @default one made from `store`, `registry`, `logger` and `config`
   */
  readonly orchestrator?: AgentOrchestrator;
  /** Told which of the run's stored settings the orchestrator's explicit options replace. @default each is a warning */
  readonly onOverrides?: (overrides: readonly SettingOverride[]) => void;
}

/**
 * Continues a meeting cut short (a crash, `kill -9`, a cancel, a failed statement): statements
 * and minutes already made are kept and not made again, tasks that were under way run again, and
 * the meeting goes on from the first unfinished step with the plan the run started with.
 * @throws EnsembleError `UNKNOWN_RUN`, `INVALID_INPUT` (not a meeting), `RUN_NOT_RESUMABLE`, `UNKNOWN_AGENT`.
 */
export async function continueMeeting(runId: string, options: ContinueMeetingOptions = {}): Promise<MeetingResult> {
  const { plan, prior, settings } = withRunStore(options.store, (store) => {
    const run = store.getRun(runId);
    if (run === undefined) throw new EnsembleError('UNKNOWN_RUN', `no run "${runId}" in ${store.path}`, { details: { runId } });
    const meetingPlan: MeetingPlan = readMeetingPlan(run);
    const progress: PriorMeetingProgress = readPriorMeetingProgress(
      run.spec.tasks.map((task) => task.id),
      store.readEvents(runId),
    );
    return { plan: meetingPlan, prior: progress, settings: run.spec.settings };
  });
  const logger = options.logger ?? stderrLogger;
  // The agents are looked up as the run looks them up: the folders given now, then the run's own.
  const registry =
    options.registry ??
    loadAgentRegistry({
      agentDirs: [...(options.agentDirs ?? []), ...(settings?.agentDirs ?? [])],
      cwd: options.workspaceDir ?? settings?.workspaceDir ?? process.cwd(),
      onWarning: (warning) => logger.warn(warning),
    });
  requireKnownAgents(registry, [...plan.participants, plan.facilitator]);
  const orchestrator =
    options.orchestrator ??
    new AgentOrchestrator({
      ...options.config,
      ...conversationWiring(options, registry),
    });
  if (options.onEvent !== undefined) orchestrator.on('*', options.onEvent);
  const { outcome, outputs } = await driveMeeting(orchestrator, plan, prior, () =>
    orchestrator.resume(runId, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onOverrides === undefined ? {} : { onOverrides: options.onOverrides }),
    }),
  );
  return { runId: outcome.runId, status: outcome.status, transcript: buildMeetingTranscript(plan, outputs), outcome };
}
