import { EnsembleError, findFencedBlocks, toEscalationRequest } from '../core/index.js';
import type { EscalationRequest } from '../core/index.js';

/** What {@link parseEscalation} found in an agent's output. */
export interface ParsedEscalation {
  /** The first well-formed `<ESCALATE>` block's request; undefined when there is none. */
  readonly escalation?: EscalationRequest;
  /** Blocks that could not be read, one sentence each (`escalation 1: missing reason="…"`); they escalate nothing. */
  readonly problems: readonly string[];
}

// The tag name in any case; `\b` keeps `<ESCALATED>` or `<ESCALATE_X>` out.
const OPEN_TAG = /<escalate\b([^<>]*)>/gi;
const CLOSE_TAG = /<\/escalate\s*>/gi;
const ATTRIBUTE = /([a-z_][\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi;
const OPTION_LINE = /^(?:[-*+]|\d{1,2}[.)])\s+(.+)$/;
const ENTITIES: Readonly<Record<string, string>> = { '&quot;': '"', '&apos;': "'", '&#39;': "'", '&lt;': '<', '&gt;': '>', '&amp;': '&' };

/**
 * Finds an escalation an agent wrote in its output (agents without an Escalate tool: `cli`,
 * `command`, llm agents without tools), as
 * ```
 * <ESCALATE reason="…" type="architecture" deadline-minutes="30" default="…">
 * - an option
 * 1. another option
 * Free text: what the agent was doing and tried (the context).
 * </ESCALATE>
 * ```
 * `reason` is required; `type` (also `trigger-type`) defaults to `ambiguity`; attribute names in any
 * case, values in double or single quotes with `&quot; &apos; &lt; &gt; &amp;` decoded. Lines starting
 * `-`, `*`, `+`, `1.` or `1)` are options; other lines are the context (without any, the output
 * around the block is). Blocks inside fenced code blocks are text (an agent showing the syntax). A
 * block without a reason or without its closing tag is a problem, not an escalation. Pure.
 */
export function parseEscalation(output: string): ParsedEscalation {
  // Most outputs carry no escalation: leave them cheaply.
  if (!/<escalate\b/i.test(output)) return { problems: [] };
  const fences = findFencedBlocks(output);
  const problems: string[] = [];
  let ordinal = 0;
  OPEN_TAG.lastIndex = 0;
  for (let open = OPEN_TAG.exec(output); open !== null; open = OPEN_TAG.exec(output)) {
    if (fences.some((fence) => open.index >= fence.start && open.index < fence.end)) continue;
    ordinal++;
    const bodyStart = open.index + open[0].length;
    CLOSE_TAG.lastIndex = bodyStart;
    const close = CLOSE_TAG.exec(output);
    if (close === null) {
      problems.push(`escalation ${ordinal}: <ESCALATE> without a closing </ESCALATE>; ignored`);
      continue;
    }
    OPEN_TAG.lastIndex = close.index + close[0].length;
    const around = `${output.slice(0, open.index)}${output.slice(close.index + close[0].length)}`.trim();
    const read = readEscalation(open[1] ?? '', output.slice(bodyStart, close.index), around);
    if (typeof read === 'string') problems.push(`escalation ${ordinal}: ${read}`);
    else return { escalation: read, problems };
  }
  return { problems };
}

/**
 * The error an attempt that escalated rejects with: `AGENT_ESCALATED`, not retryable, the request
 * as its details (what the terminal policy turns into a waiting task and an `escalation:open`).
 */
export function toEscalatedError(agentName: string, escalation: EscalationRequest): EnsembleError {
  return new EnsembleError('AGENT_ESCALATED', `agent ${agentName} escalated to a person (${escalation.triggerType}): ${escalation.reason}`, {
    retryable: false,
    details: { ...escalation },
  });
}

function readEscalation(attributeText: string, body: string, around: string): EscalationRequest | string {
  const attributes = new Map<string, string>();
  ATTRIBUTE.lastIndex = 0;
  for (let match = ATTRIBUTE.exec(attributeText); match !== null; match = ATTRIBUTE.exec(attributeText)) {
    const name = match[1]!.toLowerCase().replace(/_/g, '-');
    if (!attributes.has(name)) attributes.set(name, decodeEntities(match[2] ?? match[3] ?? match[4] ?? '').trim());
  }
  const reason = attributes.get('reason') ?? '';
  if (reason === '') return 'missing reason="…" (one line: what you cannot decide alone); ignored';
  const deadlineText = attributes.get('deadline-minutes') ?? attributes.get('deadline');
  const deadlineMinutes = deadlineText === undefined ? undefined : Number(deadlineText);
  if (deadlineMinutes !== undefined && !(Number.isFinite(deadlineMinutes) && deadlineMinutes > 0)) return `deadline-minutes="${deadlineText}" is not a positive number of minutes; ignored`;
  const options: string[] = [];
  const contextLines: string[] = [];
  for (const line of body.split(/\r?\n/)) {
    const trimmed = line.trim();
    const option = OPTION_LINE.exec(trimmed)?.[1];
    if (option !== undefined) options.push(option.trim());
    else contextLines.push(line);
  }
  const context = contextLines.join('\n').trim();
  const request = toEscalationRequest({
    reason,
    triggerType: attributes.get('type') ?? attributes.get('trigger-type'),
    context: context === '' ? around : context,
    options,
    deadlineMs: deadlineMinutes === undefined ? undefined : deadlineMinutes * 60_000,
    defaultAction: attributes.get('default') ?? attributes.get('default-action'),
  });
  return request ?? 'missing reason="…"; ignored';
}

function decodeEntities(text: string): string {
  return text.replace(/&(?:quot|apos|#39|lt|gt|amp);/g, (entity) => ENTITIES[entity] ?? entity);
}

