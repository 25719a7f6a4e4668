import type { ToolResultPart } from 'ai';
import { isEnsembleError } from '../../core/index.js';
import type { ActivityReporter, EscalationRequest } from '../../core/index.js';
import type { ToolContext, WorkspaceTool } from '../../tools/index.js';
import type { ModelToolCall } from './stream-model-call.js';

/** Characters of one tool result handed back to the model: past this the result is cut, and the model told so. */
export const MAX_TOOL_RESULT_CHARS = 30_000;
/** Characters of an input summary in `agent:tool` events (the event's contract). */
const MAX_SUMMARY_CHARS = 200;
/** Characters of a failed call's error kept in its `agent:tool` event. */
const MAX_EVENT_ERROR_CHARS = 500;

/** What one call did, for the loop's tally and the task's evidence. */
export interface ToolCallRecord {
  /** The result part handed back to the model (an error result when the call failed). */
  readonly part: ToolResultPart;
  readonly ok: boolean;
  /** Workspace files the call wrote (Write, Edit). */
  readonly files: readonly string[];
  /** Set when the call escalated (`Escalate`): the loop ends the attempt with it. */
  readonly escalation?: EscalationRequest;
}

/**
 * Runs one tool call the model asked for, between an `agent:tool` start and end event: the input is
 * validated with the tool's zod schema, then the tool runs with the task's context. Whatever goes
 * wrong — an unknown tool, an invalid input, a refusal, a failure — becomes an error result the model
 * reads and may act on; only the task's own abort propagates (rethrown untouched). A call that
 * escalates (`Escalate`) succeeds (its `agent:tool` end is ok) and hands its request back in
 * `escalation`, for the loop to end the attempt.
 */
export async function runToolCall(
  call: ModelToolCall,
  tool: WorkspaceTool | undefined,
  context: ToolContext,
  reportEvent: ActivityReporter | undefined,
): Promise<ToolCallRecord> {
  const parsed = tool === undefined || call.invalidReason !== undefined ? undefined : tool.inputSchema.safeParse(call.input);
  const summary = shorten(parsed?.success === true && tool !== undefined ? safeSummary(tool, parsed.data) : rawSummary(call.input), MAX_SUMMARY_CHARS);
  const base = { callId: call.callId, tool: call.toolName, input: summary };
  reportEvent?.('agent:tool', { ...base, state: 'start' });
  const startedAt = performance.now();
  let output: string;
  let files: readonly string[] = [];
  let escalation: EscalationRequest | undefined;
  let error: string | undefined;
  try {
    if (call.invalidReason !== undefined) throw new Error(call.invalidReason);
    if (tool === undefined) throw new Error(`no tool named "${call.toolName}" is offered`);
    if (parsed === undefined || !parsed.success) throw new Error(`invalid input for ${tool.name}: ${describeIssues(parsed?.error.issues ?? [])}`);
    const result = await tool.execute(parsed.data, context);
    output = result.output;
    files = result.files ?? [];
    escalation = result.escalation;
  } catch (caught) {
    if (context.signal.aborted) throw context.signal.reason;
    error = isEnsembleError(caught) || caught instanceof Error ? caught.message : String(caught);
    output = error;
  }
  const value = capResult(output);
  const durationMs = Math.round(performance.now() - startedAt);
  const ok = error === undefined;
  reportEvent?.('agent:tool', {
    ...base,
    state: 'end',
    ok,
    resultChars: value.length,
    durationMs,
    ...(error === undefined ? {} : { error: shorten(error, MAX_EVENT_ERROR_CHARS) }),
    ...(files.length === 0 ? {} : { files }),
  });
  const part: ToolResultPart = {
    type: 'tool-result',
    toolCallId: call.callId,
    toolName: call.toolName,
    output: ok ? { type: 'text', value } : { type: 'error-text', value },
  };
  return { part, ok, files, ...(escalation === undefined ? {} : { escalation }) };
}

/** The result as the model receives it: at most {@link MAX_TOOL_RESULT_CHARS}, a cut said at the end. */
function capResult(output: string): string {
  if (output.length <= MAX_TOOL_RESULT_CHARS) return output;
  const note = `\n[result truncated: ${output.length} characters, the first ${MAX_TOOL_RESULT_CHARS} shown; ask for less (offset/limit, a narrower pattern)]`;
  return output.slice(0, MAX_TOOL_RESULT_CHARS) + note;
}

function describeIssues(issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[]): string {
  if (issues.length === 0) return 'not an object';
  return issues
    .slice(0, 5)
    .map((issue) => (issue.path.length === 0 ? issue.message : `${issue.path.map(String).join('.')}: ${issue.message}`))
    .join('; ');
}

function safeSummary(tool: WorkspaceTool, input: unknown): string {
  try {
    return tool.summarize(input);
  } catch {
    return rawSummary(input);
  }
}

function rawSummary(input: unknown): string {
  try {
    return typeof input === 'string' ? input : (JSON.stringify(input) ?? '');
  } catch {
    return String(input);
  }
}

/** One line of at most `maxChars`: events and views show summaries on a single line. */
function shorten(text: string, maxChars: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= maxChars ? line : `${line.slice(0, maxChars - 1)}…`;
}
