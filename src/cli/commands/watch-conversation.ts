import type { RunOutcome } from '../../core/index.js';
import type { AgentOrchestrator } from '../../orchestrator/index.js';
import { EXIT_FAILED, EXIT_OK, type CliContext } from '../cli-context.js';
import { watchRun } from './watch-run.js';

/** What a conversation (consult, meeting) resolves with: its run's outcome and status, besides its own result. */
interface ConversationResult {
  readonly outcome: RunOutcome;
  readonly status: string;
}

/**
 * Runs a conversation under the run view (progress on a terminal or as lines; nothing with
 * --json), then prints its result with `print`, or with --json one document: the result, the
 * run's summary and its error.
 */
export async function watchConversation<R extends ConversationResult>(
  context: CliContext,
  orchestrator: AgentOrchestrator,
  start: () => Promise<R>,
  print: (result: R) => void,
): Promise<number> {
  let result: R | undefined;
  const exitCode = await watchRun(quietWhenJson(context), orchestrator, async () => {
    result = await start();
    return result.outcome;
  });
  if (result === undefined) return exitCode;
  if (context.options.json) {
    const { outcome, ...rest } = result;
    context.printJson({ ...rest, summary: outcome.summary, ...(outcome.error === undefined ? {} : { error: outcome.error }) });
    return exitCode;
  }
  print(result);
  return result.status === 'succeeded' ? EXIT_OK : EXIT_FAILED;
}

/**
 * With --json a conversation prints one document at the end, not the run's event stream: the
 * run view then writes nowhere (it still handles Ctrl-C).
 */
function quietWhenJson(context: CliContext): CliContext {
  if (!context.options.json) return context;
  return {
    ...context,
    options: { ...context.options, json: false },
    stdout: { write: () => {}, isTTY: false, columns: undefined, rows: undefined, isClosed: true, onResize: () => () => {} },
    print: () => {},
    printJson: () => {},
  };
}
