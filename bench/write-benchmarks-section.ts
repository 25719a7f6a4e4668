import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * `markdown` with the section that starts at the line `heading` (a `## ` heading) replaced by
 * `sectionLines`, up to the next `## ` heading or the end; appended after a blank line when the
 * heading is absent. Everything else is kept byte for byte, so one bench can rewrite its own
 * section without re-running the others.
 */
export function replaceMarkdownSection(markdown: string, heading: string, sectionLines: readonly string[]): string {
  if (!heading.startsWith('## ')) throw new Error(`a section heading starts with "## ", got ${JSON.stringify(heading)}`);
  if (sectionLines[0] !== heading) throw new Error(`the section's first line must be its heading ${JSON.stringify(heading)}`);
  const section = sectionLines.join('\n');
  const lines = markdown === '' ? [] : markdown.replace(/\n$/, '').split('\n');
  const start = lines.findIndex((line) => line.trimEnd() === heading);
  if (start === -1) {
    const kept = lines.join('\n').replace(/\n+$/, '');
    return `${kept === '' ? '' : `${kept}\n\n`}${section.replace(/\n+$/, '')}\n`;
  }
  const nextHeading = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const before = lines.slice(0, start);
  const after = nextHeading === -1 ? [] : lines.slice(nextHeading);
  // One blank line between this section and the next heading, however the section ends.
  const body = section.replace(/\n+$/, '');
  return [...before, body, ...(after.length === 0 ? [] : ['', ...after])].join('\n') + '\n';
}

/**
 * The lines of the section that starts at the line `heading`, up to the next `## ` heading or the
 * end, trailing blank lines dropped; undefined when the heading is absent. What a bench that
 * rewrites the whole file (`run-all.ts`) keeps of a section another bench owns.
 */
export function readMarkdownSection(markdown: string, heading: string): string[] | undefined {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trimEnd() === heading);
  if (start === -1) return undefined;
  const nextHeading = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const section = lines.slice(start, nextHeading === -1 ? lines.length : nextHeading);
  while (section.length > 1 && section.at(-1)?.trim() === '') section.pop();
  return section;
}

/** Rewrites one section of the file at `path` (created with only that section if missing). */
export function writeBenchmarksSection(path: string, heading: string, sectionLines: readonly string[]): void {
  const markdown = existsSync(path) ? readFileSync(path, 'utf8') : '';
  writeFileSync(path, replaceMarkdownSection(markdown, heading, sectionLines));
}
