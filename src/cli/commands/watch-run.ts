import {
  applyRunEvent,
  createRunState,
  EnsembleError,
  foldRunEvents,
  isEnsembleError,
  toEventJson,
  type RunEvent,
  type RunOutcome,
  type RunState,
} from '../../core/index.js';
import { killLiveProcessGroups } from '../../agents/index.js';
import type { AgentOrchestrator } from '../../orchestrator/index.js';
import { openRunStore } from '../../store/index.js';
import { EXIT_FAILED, EXIT_OK, type CliContext } from '../cli-context.js';
import { LineProgressView, LiveProgressView, renderSummary } from '../progress/index.js';

/** Exit code of a process ended by a second Ctrl-C: 128 + SIGINT, as shells report it. */
const EXIT_INTERRUPTED = 130;

/**
 * Runs an orchestrator with the right view: NDJSON events with --json, a live table on a
 * terminal, plain lines otherwise. Every view derives what it shows from the core's run state,
 * folded from the events. Ctrl-C cancels the run cleanly; a second one kills the agents and exits
 * at once. If stdout's reader goes away (`| head`), the run goes on silently to its real end.
 */
export async function watchRun(
  context: CliContext,
  orchestrator: AgentOrchestrator,
  start: (orchestrator: AgentOrchestrator) => Promise<RunOutcome>,
  /** `outputLines`: lines of each final output printed at the end (@default 40). */
  options: { readonly outputLines?: number } = {},
): Promise<number> {
  const { stdout } = context;
  const state = createRunState();
  let live: LiveProgressView | undefined;
  let onEvent: (event: RunEvent) => void = () => {};
  if (context.options.json) {
    onEvent = (event) => stdout.write(`${toEventJson(event)}\n`);
  } else if (stdout.isTTY && context.env.CI === undefined) {
    const view = new LiveProgressView(state, stdout, context.palette);
    live = view;
    onEvent = (event) => view.onEvent(event);
  } else {
    const view = new LineProgressView(state, stdout, context.palette);
    onEvent = (event) => view.onEvent(event);
  }
  orchestrator.on('*', (event) => {
    // A resumed run does not repeat its history (task:added, earlier attempts): read it from the journal first.
    if (event.type === 'workflow:start' && event.resumed && state.tasks.size === 0) foldEarlierEvents(context, state, event);
    applyRunEvent(state, event);
    onEvent(event);
  });
  live?.start();

  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) {
      // Exiting at once must not orphan the agents: their processes are killed first (synchronously).
      killLiveProcessGroups();
      process.exit(EXIT_INTERRUPTED);
    }
    context.stderr.write(`\nensemble: ${signal} received, cancelling the run (again to exit now)\n`);
    orchestrator.cancel(`cancelled by ${signal}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let outcome: RunOutcome;
    try {
      outcome = await start(orchestrator);
    } catch (error) {
      throw withRunId(error, orchestrator.runId ?? (state.runId === '' ? undefined : state.runId));
    }
    live?.stop();
    if (!context.options.json) {
      for (const line of renderSummary(state, context.palette, { outputLines: options.outputLines ?? 40 })) context.print(line);
    }
    return outcome.status === 'succeeded' ? EXIT_OK : EXIT_FAILED;
  } finally {
    live?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Folds the journaled events of a resumed run that came before its new `workflow:start`. */
function foldEarlierEvents(context: CliContext, state: RunState, start: RunEvent): void {
  try {
    const store = openRunStore(context.storePath);
    try {
      // Seqs run from 1 without gaps: the first `seq - 1` events are exactly the earlier ones.
      foldRunEvents(store.readEvents(start.runId, { limit: start.seq - 1 }), state);
    } finally {
      store.close();
    }
  } catch (error) {
    // The view then shows only this execution's tasks; the run itself is unaffected.
    context.stderr.write(`ensemble: cannot read the earlier events of ${start.runId}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/**
 * An error that ended a run once it had an id (another process took the run over, the journal
 * failed) names the run, so the user can look at it or resume it: `details.runId`, which the
 * error report prints.
 */
function withRunId(error: unknown, runId: string | undefined): unknown {
  if (runId === undefined || !isEnsembleError(error) || error.details?.['runId'] !== undefined) return error;
  return new EnsembleError(error.code, error.message, {
    details: { ...error.details, runId },
    retryable: error.retryable,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    cause: error,
  });
}
