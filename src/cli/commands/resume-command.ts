import type { ActionFactory, Command } from '../action.js';
import type { CliContext } from '../cli-context.js';
import { addRunShapingOptions, type RunShapingFlags } from './run-shaping-flags.js';
import { createResumeOrchestrator } from './resume-orchestrator.js';
import { watchRun } from './watch-run.js';
import { isJournaledMeeting, resumeMeetingRun } from './meetings-command.js';
import { resumeTicketRun } from './tickets-run-command.js';
import { openRunStore } from '../../store/index.js';
import { TICKET_RUN_WORKFLOW_ID } from '../../orchestrator/index.js';

interface ResumeFlags extends RunShapingFlags {
  readonly ignoreRemoteAgents?: boolean;
}

export function registerResumeCommand(program: Command, action: ActionFactory): void {
  const command = program
    .command('resume')
    .description(
      "continue an unfinished run: finished tasks keep their outputs, the rest run, with the run's own settings " +
        '(workspace, agent folders, provider, model, concurrency, caps); flags given here override them',
    )
    .argument('<runId>', 'the run to resume (see `ensemble runs`)');
  addRunShapingOptions(command)
    .option('--ignore-remote-agents', 'resume although agents of the crashed execution may still run on another host (only if that host is gone for good)')
    .action(action((context, runId: string, flags: ResumeFlags) => resumeRun(context, runId, flags)));
}

async function resumeRun(context: CliContext, runId: string, flags: ResumeFlags): Promise<number> {
  // A ticket run resumes with its team, mode and the wiring around each ticket (leases, worktrees, commits).
  if (isTicketRun(context, runId)) return resumeTicketRun(context, runId, flags.workspace);
  const { orchestrator, onOverrides } = createResumeOrchestrator(context, flags);
  // A meeting's graph grows as it runs: only its driver adds the rounds still to come.
  if (isJournaledMeeting(context, runId)) return resumeMeetingRun(context, runId, orchestrator, onOverrides);
  return watchRun(context, orchestrator, (running) => running.resume(runId, { onOverrides }));
}

function isTicketRun(context: CliContext, runId: string): boolean {
  const store = openRunStore(context.storePath);
  try {
    return store.getRun(runId)?.workflowId === TICKET_RUN_WORKFLOW_ID;
  } finally {
    store.close();
  }
}
