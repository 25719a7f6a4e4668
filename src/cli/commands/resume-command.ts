import { AgentOrchestrator } from '../../orchestrator/index.js';
import { openRunStore } from '../../store/index.js';
import { EnsembleError } from '../../core/index.js';
import type { ActionFactory, Command } from '../action.js';
import type { CliContext } from '../cli-context.js';
import { RunProgress } from '../run-progress.js';
import { watchRun } from './watch-run.js';

export function registerResumeCommand(program: Command, action: ActionFactory): void {
  program
    .command('resume')
    .description('continue an unfinished run: finished tasks keep their outputs, the rest run')
    .argument('<runId>', 'the run to resume (see `ensemble runs`)')
    .action(action((context, runId: string) => resumeRun(context, runId)));
}

async function resumeRun(context: CliContext, runId: string): Promise<number> {
  // Seed the view with the tasks of the earlier execution: resume does not repeat task:added.
  const progress = new RunProgress();
  const store = openRunStore(context.storePath);
  try {
    const run = store.getRun(runId);
    if (run === undefined) throw new EnsembleError('UNKNOWN_RUN', `no run "${runId}" in ${context.storePath}`, { details: { runId } });
    const tasks = store.listTasks(runId);
    const dependedOn = new Set(tasks.flatMap((task) => task.dependencies));
    progress.seed(
      tasks.map((task) => ({
        taskId: task.taskId,
        agentName: task.agentName,
        status: task.status,
        tokens: task.usage.totalTokens,
        hasDependents: dependedOn.has(task.taskId),
        ...(task.durationMs === undefined ? {} : { durationMs: task.durationMs }),
      })),
    );
  } finally {
    store.close();
  }
  const orchestrator = new AgentOrchestrator({
    agentDirs: [...context.options.agentsDir],
    workspaceDir: context.cwd,
    store: context.storePath,
  });
  return watchRun(context, orchestrator, (running) => running.resume(runId), progress);
}
