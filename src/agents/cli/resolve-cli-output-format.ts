import { basename } from 'node:path';
import type { CliOutputFormat } from '../schema.js';

/**
 * How a `cli` agent's stdout is read: its `outputFormat` when the definition names one, else
 * inferred from the program and its flags — `claude … --output-format json|stream-json`,
 * `gemini … --output-format json` (or `-o json`), `codex … --json` — else `text`.
 */
export function resolveCliOutputFormat(agent: { readonly outputFormat?: CliOutputFormat; readonly command?: readonly string[] }): CliOutputFormat {
  if (agent.outputFormat !== undefined) return agent.outputFormat;
  const [program, ...args] = agent.command ?? [];
  if (program === undefined) return 'text';
  // `/usr/local/bin/claude`, `claude.cmd`, `codex.exe` all name the same CLI.
  const name = basename(program).toLowerCase().replace(/\.(exe|cmd|js|mjs|cjs)$/, '');
  if (name === 'claude' && ['json', 'stream-json'].includes(optionValue(args, ['--output-format']) ?? '')) return 'claude-json';
  if (name === 'gemini' && optionValue(args, ['--output-format', '-o']) === 'json') return 'gemini-json';
  if (name === 'codex' && (args.includes('--json') || args.includes('--experimental-json'))) return 'codex-jsonl';
  return 'text';
}

/** The value of the first of `flags` in `args`, as `--flag value` or `--flag=value`. */
function optionValue(args: readonly string[], flags: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const argument = args[index]!;
    if (flags.includes(argument)) return args[index + 1];
    const flag = flags.find((candidate) => argument.startsWith(`${candidate}=`));
    if (flag !== undefined) return argument.slice(flag.length + 1);
  }
  return undefined;
}
