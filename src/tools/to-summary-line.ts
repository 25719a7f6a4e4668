/** The longest summary of a tool input shown in events and views (the `agent:tool` event's `input` field). */
export const MAX_SUMMARY_CHARS = 200;

/**
 * `text` as one printable line of at most `maxChars` characters: control characters (newlines
 * included) become `?`, and a longer text is cut with `…`.
 */
export function toSummaryLine(text: string, maxChars = MAX_SUMMARY_CHARS): string {
  let line = '';
  for (const character of text) {
    line += isControlCharacter(character.codePointAt(0) ?? 0) ? '?' : character;
    if (line.length > maxChars) return `${line.slice(0, maxChars - 1).replace(/[\uD800-\uDBFF]$/, '')}…`;
  }
  return line;
}

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators: any of them could break a
// one-line view or forge a line in a terminal, so a model-chosen path never carries them through.
function isControlCharacter(codePoint: number): boolean {
  return codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f) || codePoint === 0x2028 || codePoint === 0x2029;
}
