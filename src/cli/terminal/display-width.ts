/**
 * Terminal display width: how many columns a string takes once printed. A terminal gives East
 * Asian wide characters and emoji two columns and combining marks none, so `.length` is wrong
 * for a row that must fit the window (a row one column too wide wraps and breaks the redraw).
 */

// CSI sequences (colours, cursor moves) take no columns; our own palette writes SGR ones.
// eslint-disable-next-line no-control-regex
const CSI_PATTERN = /\u001b\[[0-?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex
const CSI_AT_START = /^\u001b\[[0-?]*[ -/]*[@-~]/;
const EMOJI_PRESENTATION = /\p{Emoji_Presentation}|\p{Regional_Indicator}|\p{Extended_Pictographic}\uFE0F/u;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}]+$/u;
const ELLIPSIS = '…';
const SGR_RESET = '\u001b[0m';

// East Asian Wide (W) and Fullwidth (F) blocks of Unicode 15 (UAX #11), outside the emoji handled above.
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18aff],
  [0x1b000, 0x1b2ff],
  [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

function isWideCodePoint(codePoint: number): boolean {
  for (const [first, last] of WIDE_RANGES) {
    if (codePoint < first) return false;
    if (codePoint <= last) return true;
  }
  return false;
}

/** Columns one grapheme (a user-perceived character) takes: 0, 1 or 2. */
export function graphemeWidth(grapheme: string): number {
  const codePoint = grapheme.codePointAt(0) ?? 0;
  // ASCII printable: the common case, decided without regular expressions.
  if (grapheme.length === 1 && codePoint >= 0x20 && codePoint < 0x7f) return 1;
  if (ZERO_WIDTH.test(grapheme)) return 0;
  if (isWideCodePoint(codePoint) || EMOJI_PRESENTATION.test(grapheme)) return 2;
  return 1;
}

// Printable ASCII: one column per character, no segmenter needed (task ids and agent names, measured every redraw).
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Columns a string takes on a terminal, ignoring colour and other CSI sequences. */
export function displayWidth(text: string): number {
  const plain = text.includes('\u001b') ? text.replace(CSI_PATTERN, '') : text;
  if (PRINTABLE_ASCII.test(plain)) return plain.length;
  let width = 0;
  for (const { segment } of segmenter.segment(plain)) width += graphemeWidth(segment);
  return width;
}

/**
 * Cuts a one-line string to at most `width` columns, ending it with "…" when something was cut.
 * CSI sequences are kept (they take no columns), and a reset is appended after a cut so a colour
 * opened before the cut does not bleed into the rest of the screen.
 */
export function fitToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  const budget = width - 1;
  let used = 0;
  let result = '';
  let hasEscapes = false;
  let rest = text;
  while (rest !== '') {
    const escape = CSI_AT_START.exec(rest);
    if (escape !== null) {
      result += escape[0];
      hasEscapes = true;
      rest = rest.slice(escape[0].length);
      continue;
    }
    const nextEscape = rest.indexOf('\u001b');
    const chunk = nextEscape <= 0 ? (nextEscape === 0 ? rest.slice(0, 1) : rest) : rest.slice(0, nextEscape);
    for (const { segment } of segmenter.segment(chunk)) {
      const columns = graphemeWidth(segment);
      if (used + columns > budget) return `${result}${ELLIPSIS}${hasEscapes ? SGR_RESET : ''}`;
      used += columns;
      result += segment;
    }
    rest = rest.slice(chunk.length);
  }
  return result;
}

/** Pads a string with spaces to `width` columns (never cuts it). */
export function padToWidth(text: string, width: number): string {
  const length = displayWidth(text);
  return length >= width ? text : text + ' '.repeat(width - length);
}

/** Screen rows a printed line occupies on a terminal that wraps at `columns`. */
export function countScreenRows(text: string, columns: number): number {
  if (columns <= 0) return 1;
  return Math.max(1, Math.ceil(displayWidth(text) / columns));
}
