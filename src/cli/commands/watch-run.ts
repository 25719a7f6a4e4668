import { toEventJson, type RunOutcome } from '../../core/index.js';
import type { AgentOrchestrator } from '../../orchestrator/index.js';
import { EXIT_FAILED, EXIT_OK, type CliContext } from '../cli-context.js';
import { LineProgressView, LiveProgressView, renderSummary } from '../progress-view.js';
import { RunProgress } from '../run-progress.js';

/**
 * Runs an orchestrator with the right view: NDJSON events with --json, a live table on a
 * terminal, plain lines otherwise. Ctrl-C cancels the run cleanly; a second one exits at once.
 */
export async function watchRun(
  context: CliContext,
  orchestrator: AgentOrchestrator,
  start: (orchestrator: AgentOrchestrator) => Promise<RunOutcome>,
  progress: RunProgress = new RunProgress(),
): Promise<number> {
  const { stdout } = context;
  let live: LiveProgressView | undefined;
  if (context.options.json) {
    orchestrator.on('*', (event) => void stdout.write(`${toEventJson(event)}\n`));
  } else if (stdout.isTTY === true && context.env.CI === undefined) {
    live = new LiveProgressView(progress, stdout, context.palette);
    const view = live;
    orchestrator.on('*', (event) => view.onEvent(event));
    live.start();
  } else {
    const view = new LineProgressView(progress, stdout, context.palette);
    orchestrator.on('*', (event) => view.onEvent(event));
  }

  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    context.stderr.write(`\nensemble: ${signal} received, cancelling the run (again to exit now)\n`);
    orchestrator.cancel(`cancelled by ${signal}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const outcome = await start(orchestrator);
    live?.stop();
    if (!context.options.json) {
      for (const line of renderSummary(progress, context.palette, { outputLines: 40 })) context.print(line);
    }
    return outcome.status === 'succeeded' ? EXIT_OK : EXIT_FAILED;
  } finally {
    live?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
