import { BROADCAST_RECIPIENT, findFencedBlocks, MESSAGE_TYPES } from '../core/index.js';
import type { MessageType, OutgoingMessage } from '../core/index.js';

/** What {@link parseAgentMessages} found in an agent's output. */
export interface ParsedAgentMessages {
  /** The well-formed messages, in the order written. */
  readonly messages: readonly OutgoingMessage[];
  /** The output without the message tags (and the blank lines they leave); the output itself when it has none. */
  readonly output: string;
  /** What could not be read, one sentence each (`message 2: missing to="…"`); these tags send nothing. */
  readonly problems: readonly string[];
}

// The tag name in any case; `\b` keeps `<AGENT_MESSAGES>` or `<AGENT_MESSAGE_X>` out.
const OPEN_TAG = /<agent_message\b([^<>]*)>/gi;
const CLOSE_TAG = /<\/agent_message\s*>/gi;
const ATTRIBUTE = /([a-z_][\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi;

interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * Finds the messages an agent wrote in its output as `<AGENT_MESSAGE to="name">…</AGENT_MESSAGE>`:
 * `to` is an agent name, a task id or `*` (required); `type` is data, request, response or broadcast
 * (default `data`, and `broadcast` for `to="*"`); `in-reply-to` names the request a response
 * answers. Tag and attribute names in any case, values in single or double quotes, bodies over
 * several lines (trimmed). Tags inside fenced code blocks are text (an agent showing the syntax),
 * not messages. A tag without its closing tag is left in the output; any other bad tag is removed
 * and reported. Pure.
 */
export function parseAgentMessages(output: string): ParsedAgentMessages {
  // Most outputs carry no message: leave them untouched, cheaply.
  if (!/<agent_message\b/i.test(output)) return { messages: [], output, problems: [] };
  const fences = findFencedBlocks(output);
  const messages: OutgoingMessage[] = [];
  const problems: string[] = [];
  const removed: Span[] = [];
  let ordinal = 0;
  OPEN_TAG.lastIndex = 0;
  for (let open = OPEN_TAG.exec(output); open !== null; open = OPEN_TAG.exec(output)) {
    if (isInside(open.index, fences)) continue;
    ordinal++;
    const bodyStart = open.index + open[0].length;
    CLOSE_TAG.lastIndex = bodyStart;
    const close = CLOSE_TAG.exec(output);
    const nextOpen = findNextOpen(output, bodyStart);
    if (close === null || (nextOpen !== undefined && nextOpen < close.index)) {
      problems.push(`message ${ordinal}: <AGENT_MESSAGE> without a closing </AGENT_MESSAGE>; left in the output`);
      continue;
    }
    const end = close.index + close[0].length;
    removed.push({ start: open.index, end });
    OPEN_TAG.lastIndex = end;
    const read = readMessage(open[1] ?? '', output.slice(bodyStart, close.index));
    if (typeof read === 'string') problems.push(`message ${ordinal}: ${read}`);
    else messages.push(read);
  }
  if (removed.length === 0) return { messages, output, problems };
  return { messages, output: removeSpans(output, removed), problems };
}

/** A message from a tag's attributes and body, or why it is not one. */
function readMessage(attributeText: string, body: string): OutgoingMessage | string {
  const attributes = new Map<string, string>();
  ATTRIBUTE.lastIndex = 0;
  for (let match = ATTRIBUTE.exec(attributeText); match !== null; match = ATTRIBUTE.exec(attributeText)) {
    const name = match[1]!.toLowerCase().replace(/_/g, '-');
    if (!attributes.has(name)) attributes.set(name, (match[2] ?? match[3] ?? match[4] ?? '').trim());
  }
  const to = attributes.get('to');
  if (to === undefined || to === '') return 'missing to="…" (an agent name, a task id, or "*" for every agent)';
  const typeText = attributes.get('type');
  let messageType: MessageType;
  if (typeText === undefined || typeText === '') messageType = to === BROADCAST_RECIPIENT ? 'broadcast' : 'data';
  else {
    const lowered = typeText.toLowerCase();
    if (!isMessageType(lowered)) return `type "${typeText}" is not one of ${MESSAGE_TYPES.join(', ')}`;
    messageType = lowered;
  }
  const content = trimBody(body);
  if (content === '') return `the message to "${to}" is empty`;
  const inReplyTo = attributes.get('in-reply-to') ?? attributes.get('inreplyto');
  return { to, messageType, content, ...(inReplyTo === undefined || inReplyTo === '' ? {} : { inReplyTo }) };
}

function isMessageType(value: string): value is MessageType {
  return (MESSAGE_TYPES as readonly string[]).includes(value);
}

/** The body without the blank lines and spaces around it; its inner lines as written. */
function trimBody(body: string): string {
  return body.trim();
}

function findNextOpen(output: string, from: number): number | undefined {
  const pattern = new RegExp(OPEN_TAG.source, 'gi');
  pattern.lastIndex = from;
  return pattern.exec(output)?.index;
}


function isInside(position: number, spans: readonly Span[]): boolean {
  return spans.some((span) => position >= span.start && position < span.end);
}

/**
 * Cuts the tags out. A tag alone on its line(s) takes its line with it, and the blank lines it would
 * leave close up: no blank run where it stood, none at the start, none at the end (a final newline
 * of the output is kept). A tag within a line leaves one space between its neighbours.
 */
function removeSpans(text: string, spans: readonly Span[]): string {
  let result = '';
  let cursor = 0;
  for (const span of spans) {
    let before = text.slice(cursor, span.start);
    let end = span.end;
    const lineStart = before.lastIndexOf('\n') + 1;
    const rest = /^[ \t]*(?:\r?\n|$)/.exec(text.slice(end));
    if (before.slice(lineStart).trim() === '' && rest !== null) {
      before = before.slice(0, lineStart);
      end += rest[0].length;
      result += before;
      // After a blank line, or at the very start, the blank lines that follow the tag would double it.
      if (result.trim() === '' || /\n[ \t]*\r?\n$/.test(result)) end += /^(?:[ \t]*\r?\n)*/.exec(text.slice(end))![0].length;
    } else {
      result += before;
      if (/[ \t]$/.test(result) && /^[ \t]/.test(text.slice(end))) result = result.replace(/[ \t]+$/, '');
    }
    cursor = end;
  }
  const tail = text.slice(cursor);
  if (tail.trim() !== '') return (result.trim() === '' ? '' : result) + tail;
  // The tags ended the output: no blank lines after what is left.
  const kept = result.replace(/\s+$/, '');
  return kept === '' ? '' : kept + (/\n\s*$/.test(text) ? '\n' : '');
}
