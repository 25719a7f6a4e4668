import { parse as parseYaml } from 'yaml';
import { parseLenientFrontMatter } from './parse-lenient-front-matter.js';
import { parseSimpleYamlMapping } from './parse-simple-yaml-mapping.js';

/** A Markdown file split into its YAML front matter (parsed) and its body. */
export type FrontMatterResult =
  | { readonly ok: true; readonly data: Readonly<Record<string, unknown>>; readonly body: string }
  | { readonly ok: false; readonly reason: string; readonly hasFrontMatter: boolean };

// `---` on the first line, the YAML, then a line `---`; CRLF files and an empty block are fine.
const FRONT_MATTER_PATTERN = /^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/;

/** True when the text opens with a front-matter fence: files without one are not agent definitions. */
export function hasFrontMatter(text: string): boolean {
  return /^(?:\uFEFF)?---[ \t]*\r?\n/.test(text);
}

/**
 * Splits and parses a Markdown file's YAML front matter. Many Claude Code subagent files carry
 * descriptions with unquoted `: ` (`Examples: <example>Context: …`) that strict YAML rejects; for
 * those, a line-based reading of top-level `key: value` pairs is used instead.
 */
export function parseFrontMatter(text: string): FrontMatterResult {
  const content = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const match = FRONT_MATTER_PATTERN.exec(content);
  if (match === null) {
    const isOpened = hasFrontMatter(content);
    return {
      ok: false,
      hasFrontMatter: isOpened,
      reason: isOpened
        ? 'front matter is not closed by a line "---"'
        : 'missing YAML front matter (a first line "---", the fields, then a line "---")',
    };
  }
  const yamlText = match[1] ?? '';
  const body = content.slice(match[0].length);
  let data: unknown = parseSimpleYamlMapping(yamlText);
  if (data === undefined) {
    try {
      data = parseYaml(yamlText);
    } catch (error) {
      data = parseLenientFrontMatter(yamlText);
      if (data === undefined) {
        const message = error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
        return { ok: false, hasFrontMatter: true, reason: `front matter is not valid YAML: ${message}` };
      }
    }
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, hasFrontMatter: true, reason: 'front matter must be a mapping of fields (key: value lines)' };
  }
  return { ok: true, data: data as Record<string, unknown>, body };
}
