/** A piece of text that may be JSON: a fenced block, or a bare object or array in the prose. */
export interface JsonBlock {
  readonly kind: 'fenced' | 'bare';
  /** The block's text (a fenced block without its fences). */
  readonly text: string;
  /** 1-based position among the fenced blocks, for messages ("json block 2"). */
  readonly ordinal: number;
}

/** Fences of Markdown code blocks: three or more backticks or tildes, then an info string. */
const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([^\s`]*)[^\n`]*$/;
/** How many opening brackets in the prose are tried as bare JSON; bounds the work on brace-heavy text. */
const MAX_BARE_ATTEMPTS = 200;

/**
 * The fenced code blocks of `text` that hold JSON (info string `json`, `jsonc`, `json5`, or none
 * with content starting with `{` or `[`), then the bare JSON objects and arrays found outside
 * any code block: the longest balanced, string-aware bracket run at each `{"` or `[{` that parses.
 * Fenced blocks come first: a reviewer asked for a json block writes one.
 */
export function findJsonBlocks(text: string): { readonly fenced: JsonBlock[]; readonly bare: JsonBlock[]; readonly prose: string } {
  const fenced: JsonBlock[] = [];
  const proseLines: string[] = [];
  const lines = text.split('\n');
  let ordinal = 0;
  for (let index = 0; index < lines.length; index++) {
    const opening = FENCE.exec(lines[index]!);
    if (opening === null) {
      proseLines.push(lines[index]!);
      continue;
    }
    const marker = opening[1]!;
    const language = opening[2]!.toLowerCase();
    const body: string[] = [];
    let closing = index + 1;
    while (closing < lines.length && !isClosingFence(lines[closing]!, marker)) body.push(lines[closing++]!);
    index = closing;
    // A code block stands in for a blank line in the prose, so bullets on either side stay apart.
    proseLines.push('');
    const content = body.join('\n').trim();
    if (language === 'json' || language === 'jsonc' || language === 'json5' || (language === '' && /^[[{]/.test(content))) {
      ordinal++;
      fenced.push({ kind: 'fenced', text: content, ordinal });
    }
  }
  const prose = proseLines.join('\n');
  return { fenced, bare: findBareJson(prose), prose };
}

function isClosingFence(line: string, marker: string): boolean {
  const trimmed = line.trim();
  return trimmed.startsWith(marker) && /^([`~])\1*$/.test(trimmed) && trimmed[0] === marker[0];
}

function findBareJson(prose: string): JsonBlock[] {
  const blocks: JsonBlock[] = [];
  let attempts = 0;
  for (let index = 0; index < prose.length && attempts < MAX_BARE_ATTEMPTS; index++) {
    const char = prose[index];
    if (char !== '{' && char !== '[') continue;
    // Only `{"…` and `[{…` (spaces allowed) start JSON worth trying; `{x}` in prose does not.
    const next = /\S/.exec(prose.slice(index + 1, index + 64))?.[0];
    if (!((char === '{' && (next === '"' || next === '}')) || (char === '[' && next === '{'))) continue;
    attempts++;
    const end = findBalancedEnd(prose, index);
    if (end === undefined) continue;
    const candidate = prose.slice(index, end + 1);
    if (!isJson(candidate)) continue;
    blocks.push({ kind: 'bare', text: candidate, ordinal: blocks.length + 1 });
    index = end;
  }
  return blocks;
}

/** The index of the bracket closing the one at `start`, skipping brackets inside JSON strings; undefined when unbalanced. */
export function findBalancedEnd(text: string, start: number): number | undefined {
  const stack: string[] = [];
  let isInString = false;
  for (let index = start; index < text.length; index++) {
    const char = text[index]!;
    if (isInString) {
      if (char === '\\') index++;
      else if (char === '"') isInString = false;
      continue;
    }
    if (char === '"') isInString = true;
    else if (char === '{') stack.push('}');
    else if (char === '[') stack.push(']');
    else if (char === '}' || char === ']') {
      if (stack.pop() !== char) return undefined;
      if (stack.length === 0) return index;
    }
  }
  return undefined;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
