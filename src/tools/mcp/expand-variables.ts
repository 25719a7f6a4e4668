/** A text with its `${VAR}` references replaced, and the variables it named that are not set. */
export interface ExpandedText {
  readonly value: string;
  /** Names used without a default and not set; each reference to them is left as written. */
  readonly missing: readonly string[];
}

// Claude Code's expansion: `${VAR}`, or `${VAR:-default}` when VAR is not set (a set but empty VAR is kept, empty).
const REFERENCE_PATTERN = /\$\{([^}]+)\}/g;

/**
 * Expands `${VAR}` and `${VAR:-default}` in `text` from `variables`, as Claude Code does in
 * `.mcp.json` (command, args, env, url, headers). Nothing else is interpreted: `$VAR` without
 * braces and backslashes stay literal, and no shell ever sees the result.
 */
export function expandVariables(text: string, variables: Readonly<Record<string, string | undefined>>): ExpandedText {
  const missing: string[] = [];
  const value = text.replace(REFERENCE_PATTERN, (reference, inner: string) => {
    const separatorIndex = inner.indexOf(':-');
    const name = separatorIndex === -1 ? inner : inner.slice(0, separatorIndex);
    const found = variables[name];
    if (found !== undefined) return found;
    if (separatorIndex !== -1) return inner.slice(separatorIndex + 2);
    if (!missing.includes(name)) missing.push(name);
    return reference;
  });
  return { value, missing };
}
