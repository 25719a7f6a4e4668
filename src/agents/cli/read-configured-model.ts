import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CliOutputFormat } from '../schema.js';

/**
 * The model a CLI's own configuration names, for CLIs whose output does not say (Codex 0.171 prints
 * no model in its events): the top-level `model = "…"` of `$CODEX_HOME/config.toml` (default
 * `~/.codex`). Undefined for other CLIs, and when there is no file or no such line.
 */
export async function readConfiguredModel(format: CliOutputFormat, env: Readonly<Record<string, string>>): Promise<string | undefined> {
  if (format !== 'codex-jsonl') return undefined;
  const codexHome = env.CODEX_HOME ?? join(env.HOME ?? homedir(), '.codex');
  let text: string;
  try {
    text = await readFile(join(codexHome, 'config.toml'), 'utf8');
  } catch {
    return undefined;
  }
  return topLevelModel(text);
}

/** `model = "…"` (or `'…'`) before the first `[table]` of a TOML document. */
export function topLevelModel(toml: string): string | undefined {
  for (const line of toml.split('\n')) {
    const text = line.trim();
    if (text.startsWith('[')) return undefined;
    const match = /^model\s*=\s*(?:"([^"]+)"|'([^']+)')\s*(?:#.*)?$/.exec(text);
    if (match !== null) return match[1] ?? match[2];
  }
  return undefined;
}
