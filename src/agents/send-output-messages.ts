import type { OutgoingMessage, SendMessageResult, TaskOutcome } from '../core/index.js';
import { parseAgentMessages } from '../bus/index.js';

/**
 * Sends the `<AGENT_MESSAGE>` tags of a successful attempt's output, in the order written, and
 * returns the outcome with the tags taken out of its output (the same outcome when it has none).
 * A malformed tag is reported through `warn` and sends nothing; a refused message (unknown
 * recipient, over the task's limit) is the scheduler's `run:warning`. Neither fails the task.
 */
export function sendOutputMessages(
  outcome: TaskOutcome,
  send: (message: OutgoingMessage) => SendMessageResult,
  options: { readonly taskId: string; readonly warn?: ((message: string) => void) | undefined },
): TaskOutcome {
  const parsed = parseAgentMessages(outcome.output);
  for (const problem of parsed.problems) options.warn?.(`task ${options.taskId}: ${problem}`);
  for (const message of parsed.messages) send(message);
  return parsed.output === outcome.output ? outcome : { ...outcome, output: parsed.output };
}
