import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseCommandLine } from './parse-command-line.js';

/** The command that verifies a candidate, and where it came from. */
export interface VerifyCommand {
  readonly argv: readonly string[];
  /** As the user wrote it (or `npm test`). */
  readonly text: string;
  /** `parameter`: the template's `verifyCommand`; `package.json`: the workspace's `test` script. */
  readonly source: 'parameter' | 'package.json';
}

// Third-party data: read tolerantly, only what is needed.
const packageJsonSchema = z.object({ scripts: z.record(z.string(), z.unknown()).optional() });
// What `npm init` writes when there are no tests: it always fails, so it verifies nothing.
const NPM_INIT_TEST_SCRIPT = /no test specified/;

/**
 * The verification command: the `verifyCommand` setting parsed into argv (see `parseCommandLine`),
 * else `npm test` when the workspace's package.json has a real `test` script, else none (the judge
 * decides alone).
 */
export async function resolveVerifyCommand(setting: string | undefined, workspace: string): Promise<VerifyCommand | undefined> {
  if (setting !== undefined) return { argv: parseCommandLine(setting, 'verifyCommand'), text: setting, source: 'parameter' };
  let text: string;
  try {
    text = await readFile(join(workspace, 'package.json'), 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = packageJsonSchema.safeParse(json);
  const script = parsed.success ? parsed.data.scripts?.['test'] : undefined;
  if (typeof script !== 'string' || script.trim() === '' || NPM_INIT_TEST_SCRIPT.test(script)) return undefined;
  return { argv: ['npm', 'test'], text: 'npm test', source: 'package.json' };
}
