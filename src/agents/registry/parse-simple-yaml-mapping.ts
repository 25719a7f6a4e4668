// A key at column 0, a colon, then nothing or spaces and a value.
const LINE = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/;
// Plain scalars that YAML reads as the same string: a letter first, no indicator or comment characters.
const PLAIN_STRING = /^[A-Za-z][A-Za-z0-9 _.,;/()'+-]*$/;
// Plain scalars YAML 1.2 (core schema) resolves to something other than a string.
const RESERVED = /^(?:true|True|TRUE|false|False|FALSE|null|Null|NULL)$/;
const INTEGER = /^(?:0|[1-9][0-9]{0,14})$/;

/**
 * Reads the simplest, and by far the most common, shape of front matter (`key: value` lines with
 * plain words, numbers or nothing) without a YAML parser, giving exactly what `yaml.parse` would.
 * Anything else (quotes, lists, colons, comments, reserved words) returns undefined, for the YAML
 * parser to read. This keeps loading large agent collections fast: YAML parsing dominated it.
 */
export function parseSimpleYamlMapping(text: string): Record<string, unknown> | undefined {
  const data: Record<string, unknown> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = LINE.exec(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (match === null) return undefined;
    const key = match[1]!;
    if (Object.hasOwn(data, key)) return undefined;
    const value = (match[2] ?? '').trimEnd();
    if (value === '') data[key] = null;
    else if (INTEGER.test(value)) data[key] = Number(value);
    else if (PLAIN_STRING.test(value) && !RESERVED.test(value)) data[key] = value;
    else return undefined;
  }
  return data;
}
