import { parse as parseYaml } from 'yaml';

const KEY_LINE = /^([A-Za-z_][\w-]*):(?:[ \t]+(.*))?$/;
const LIST_ITEM = /^\s*-\s+(.*)$/;

/**
 * The fallback for front matter that strict YAML rejects (Claude Code descriptions with unquoted
 * `: `): top-level `key: value` lines, whose values may continue on indented lines, be `|`/`>`
 * blocks or `- item` lists. Each value is read as YAML on its own when it can be, else as text.
 * Undefined when even this reading fails.
 */
export function parseLenientFrontMatter(yamlText: string): Record<string, unknown> | undefined {
  const entries: { key: string; first: string; rest: string[] }[] = [];
  for (const line of yamlText.split(/\r?\n/)) {
    const keyMatch = KEY_LINE.exec(line);
    if (keyMatch !== null) {
      entries.push({ key: keyMatch[1]!, first: (keyMatch[2] ?? '').trim(), rest: [] });
      continue;
    }
    const current = entries.at(-1);
    if (/^\s*(?:#.*)?$/.test(line) && (current === undefined || current.rest.length === 0)) continue;
    if (current === undefined || !/^[\s-]/.test(line)) return undefined;
    current.rest.push(line);
  }
  const data: Record<string, unknown> = {};
  for (const { key, first, rest } of entries) {
    if (Object.hasOwn(data, key)) return undefined;
    const items = rest.filter((line) => line.trim() !== '');
    if (first === '' && items.length > 0 && items.every((line) => LIST_ITEM.test(line))) {
      data[key] = items.map((line) => toScalar(LIST_ITEM.exec(line)![1]!.trim()));
    } else if (/^[|>][+-]?$/.test(first)) {
      data[key] = rest.map((line) => line.trim()).join(first.startsWith('|') ? '\n' : ' ').trim();
    } else {
      data[key] = toScalar([first, ...items.map((line) => line.trim())].filter((part) => part !== '').join(' '));
    }
  }
  return data;
}

// Values that need YAML to be read: quoted, flow collections, numbers and reserved words.
const YAML_VALUE = /^(?:["'[{]|[-+]?\.?[0-9]|(?:true|false|null|~)$)/i;

function toScalar(raw: string): unknown {
  if (raw === '') return null;
  // Plain text stays text: reading it as YAML is what failed in the first place.
  if (!YAML_VALUE.test(raw)) return raw;
  try {
    const value: unknown = parseYaml(raw);
    if (value === null || typeof value !== 'object' || /^[[{]/.test(raw)) return value;
  } catch {
    // Not YAML on its own (a quoted start with more after it): the text itself is the value.
  }
  const quoted = /^(["'])([\s\S]*)\1$/.exec(raw);
  return quoted === null ? raw : quoted[2];
}
