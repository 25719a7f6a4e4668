import { facilitatorJsonSchema } from '../schema.js';

/** One follow-up of a meeting. */
export interface ActionItem {
  readonly action: string;
  /** Who does it (an agent name or a person), when the facilitator named one. */
  readonly owner?: string;
  /** When it is due, as the facilitator wrote it. */
  readonly due?: string;
}

/** What the facilitator wrote for one topic, read from its reply. */
export interface MeetingMinutes {
  readonly summary: string;
  readonly decisions: readonly string[];
  readonly actionItems: readonly ActionItem[];
  /** How the reply was read: as JSON, as the requested sections, or (neither found) as plain text taken whole as the summary. */
  readonly format: 'json' | 'sections' | 'text';
}

type SectionName = 'summary' | 'decisions' | 'actionItems';

/** Section headings the facilitator is asked for, and the usual variants models write instead. */
const SECTION_NAMES: readonly (readonly [SectionName, RegExp])[] = [
  ['summary', /^(?:summary|overview|discussion summary|meeting summary|minutes)$/],
  ['decisions', /^(?:decisions?|decisions made|key decisions|agreed decisions|agreements)$/],
  ['actionItems', /^(?:action items?|actions|next steps|follow[- ]?ups?|follow[- ]?up actions|todos?|to-dos?)$/],
];

/** A heading line: `## Decisions`, `**Decisions:**`, `Decisions: text`; groups: the label, the colon, the text after it. */
const HEADING = /^\s*(#{1,6}\s*(?:\d{1,2}[.)]\s*)?)?(\*\*|__)?\s*([A-Za-z][A-Za-z -]{2,40})\s*(?:\*\*|__)?\s*(:)?\s*(?:\*\*|__)?\s*(.*)$/;
const LIST_ITEM = /^\s*(?:[-*•+]|\d{1,3}[.)])\s+(.*)$/;
/** List entries that say there is nothing. */
const NOTHING = /^(?:none|n\/a|nothing|no decisions?|no action items?|-|—)\.?$/i;

/**
 * Reads a facilitator's reply tolerantly: a JSON object (whole, or in a ```json block) with
 * `summary`, `decisions`, `actionItems`; else Markdown sections (Summary, Decisions, Action items,
 * and common variants, as headings, bold labels or `Label:` lines) with list items; else the
 * whole reply is the summary. Action items may name their owner as `owner: action`,
 * `[owner] action`, `**owner** — action`, `action (owner: x)` or `@owner`, and a due date as `(due: …)`.
 */
export function parseMeetingMinutes(reply: string): MeetingMinutes {
  return readJsonMinutes(reply) ?? readSectionMinutes(reply) ?? { summary: reply.trim(), decisions: [], actionItems: [], format: 'text' };
}

function readJsonMinutes(reply: string): MeetingMinutes | undefined {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)\n\s*```/i.exec(reply)?.[1];
  for (const candidate of [fenced, reply.trim()]) {
    if (candidate === undefined || !candidate.trim().startsWith('{')) continue;
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    const parsed = facilitatorJsonSchema.safeParse(value);
    if (!parsed.success) continue;
    const { summary, decisions, actionItems } = parsed.data;
    if (summary === undefined && decisions === undefined && actionItems === undefined) continue;
    return {
      summary: summary?.trim() ?? '',
      decisions: (decisions ?? []).map((decision) => decision.trim()).filter((decision) => decision !== '' && !NOTHING.test(decision)),
      actionItems: (actionItems ?? []).flatMap((item) => {
        const action = item.action.trim();
        if (action === '' || NOTHING.test(action)) return [];
        const owner = 'owner' in item ? item.owner?.trim() : undefined;
        const due = 'due' in item ? item.due?.trim() : undefined;
        return 'owner' in item ? [{ action, ...(owner ? { owner } : {}), ...(due ? { due } : {}) }] : [readActionItem(action)];
      }),
      format: 'json',
    };
  }
  return undefined;
}

function readSectionMinutes(reply: string): MeetingMinutes | undefined {
  const sections = new Map<SectionName, string[]>();
  const preamble: string[] = [];
  let current: string[] = preamble;
  for (const line of reply.split(/\r?\n/)) {
    const section = sectionOf(line);
    if (section === undefined) {
      current.push(line);
      continue;
    }
    current = sections.get(section.name) ?? [];
    sections.set(section.name, current);
    if (section.rest !== '') current.push(section.rest);
  }
  if (sections.size === 0) return undefined;
  const summaryLines = sections.get('summary') ?? preamble;
  return {
    summary: summaryLines.join('\n').trim(),
    decisions: listEntries(sections.get('decisions') ?? []),
    actionItems: listEntries(sections.get('actionItems') ?? []).map(readActionItem),
    format: 'sections',
  };
}

/** The section a line opens, if it is a heading of one: a Markdown heading, a bold label, or `Label:` at the start of a line. */
function sectionOf(line: string): { readonly name: SectionName; readonly rest: string } | undefined {
  const match = HEADING.exec(line);
  if (match === null) return undefined;
  const [, hashes, emphasis, label, colon, after] = match;
  const rest = after!.trim();
  // `Summary: text` opens a section with its text; without a colon only a heading or bold label standing alone does.
  if (colon === undefined && (rest !== '' || (hashes === undefined && emphasis === undefined))) return undefined;
  const name = SECTION_NAMES.find(([, pattern]) => pattern.test(label!.trim().toLowerCase()))?.[0];
  return name === undefined ? undefined : { name, rest };
}

/** List items of a section (continuation lines join their item); prose without bullets counts one entry per line. */
function listEntries(lines: readonly string[]): string[] {
  const entries: string[] = [];
  let isList = false;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const item = LIST_ITEM.exec(line);
    if (item !== null) {
      isList = true;
      entries.push(item[1]!.trim());
    } else if (isList && /^\s+\S/.test(line) && entries.length > 0) {
      entries[entries.length - 1] = `${entries.at(-1)!} ${line.trim()}`;
    } else {
      entries.push(line.trim());
    }
  }
  return entries.map(stripEmphasis).filter((entry) => entry !== '' && !NOTHING.test(entry));
}

function stripEmphasis(entry: string): string {
  return entry.replace(/^\[[ xX]\]\s*/, '').trim();
}

/** Finds the owner and due date in one action item line. */
function readActionItem(text: string): ActionItem {
  let action = text.trim();
  let owner: string | undefined;
  let due: string | undefined;
  const dueMatch = /\s*[([]?\s*(?:due|by|deadline)\s*:\s*([^)\]]+?)\s*[)\]]?\s*$/i.exec(action);
  if (dueMatch !== null) {
    due = dueMatch[1]!.trim();
    action = action.slice(0, dueMatch.index).trim();
  }
  const trailingOwner = /\s*[([]\s*(?:owner|assignee|assigned to)\s*:?\s*([^)\]]+?)\s*[)\]]\s*$/i.exec(action) ?? /\s*[—–-]\s*(?:owner|assignee)\s*:\s*(.+?)\s*$/i.exec(action);
  const leadingOwner =
    /^\[([^\]]{1,60})\]\s*[:—–-]?\s*(.+)$/.exec(action) ??
    /^(?:\*\*|__)([^*_]{1,60})(?:\*\*|__)\s*[:—–-]?\s*(.+)$/.exec(action) ??
    /^@([A-Za-z0-9_-]{1,60})\s*[:—–-]?\s*(.+)$/.exec(action) ??
    /^([A-Za-z0-9][\w .-]{0,40}?)\s*:\s+(.+)$/.exec(action);
  if (trailingOwner !== null) {
    owner = trailingOwner[1]!.trim();
    action = action.slice(0, trailingOwner.index).trim();
  } else if (leadingOwner !== null && leadingOwner[1]!.trim().split(/\s+/).length <= 4) {
    owner = leadingOwner[1]!.replace(/^@/, '').trim();
    action = leadingOwner[2]!.trim();
  } else {
    const mention = /(?:^|\s)@([A-Za-z0-9_-]{1,60})\b/.exec(action);
    if (mention !== null) owner = mention[1];
  }
  action = action.replace(/^(?:\*\*|__)|(?:\*\*|__)$/g, '').trim();
  return { action, ...(owner === undefined || owner === '' ? {} : { owner: owner.replace(/^\*\*|\*\*$/g, '') }), ...(due === undefined || due === '' ? {} : { due }) };
}
