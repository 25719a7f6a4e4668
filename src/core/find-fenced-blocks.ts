/** A range of characters of a text: `start` inclusive, `end` exclusive. */
export interface TextSpan {
  readonly start: number;
  readonly end: number;
}

const FENCE = /^[ \t]{0,3}(`{3,}|~{3,})/;

/**
 * The character ranges of the fenced code blocks of a Markdown text (``` or ~~~, closed by the
 * same fence, or running to the end): a tag an agent writes inside one is shown, not meant
 * (`<AGENT_MESSAGE>`, `<ESCALATE>`).
 */
export function findFencedBlocks(text: string): TextSpan[] {
  const blocks: TextSpan[] = [];
  let offset = 0;
  let openFence: { readonly marker: string; readonly start: number } | undefined;
  for (const line of text.split('\n')) {
    const fence = FENCE.exec(line)?.[1];
    if (openFence === undefined && fence !== undefined) openFence = { marker: fence, start: offset };
    else if (openFence !== undefined && fence !== undefined && fence[0] === openFence.marker[0] && fence.length >= openFence.marker.length && line.trim() === fence) {
      blocks.push({ start: openFence.start, end: offset + line.length });
      openFence = undefined;
    }
    offset += line.length + 1;
  }
  if (openFence !== undefined) blocks.push({ start: openFence.start, end: text.length });
  return blocks;
}
