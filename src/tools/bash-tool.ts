import { z } from 'zod';
import { EnsembleError } from '../core/index.js';
import { startBashLeaseCheck } from './bash-lease-check.js';
import type { ShellResult, WorkspaceTool } from './workspace-tool.js';

/** Claude Code's Bash timeout: 2 minutes unless the model asks for more, 10 at most, in ms. */
export const DEFAULT_BASH_TIMEOUT_MS = 120_000;
export const MAX_BASH_TIMEOUT_MS = 600_000;
/** Characters of stdout and of stderr the model sees per call (Claude Code shows 30 000). */
export const MAX_BASH_OUTPUT_CHARS = 30_000;
/** Longest summary of a command in `agent:tool` events. */
const MAX_SUMMARY_CHARS = 200;

// Not strict: models add Claude Code's other keys (`run_in_background`), which are ignored, not refused.
const bashInputSchema = z.object({
  command: z.string().min(1).describe('The command to run with bash, in the workspace folder'),
  timeout: z.int().positive().max(MAX_BASH_TIMEOUT_MS).optional().describe(`Timeout in milliseconds (default ${DEFAULT_BASH_TIMEOUT_MS}, at most ${MAX_BASH_TIMEOUT_MS})`),
  description: z.string().optional().describe('What the command does, in 5-10 words'),
});

export type BashInput = z.infer<typeof bashInputSchema>;

/**
 * `Bash`: runs the command the model wrote with `bash -c` in the workspace, through the run's
 * {@link ShellRunner} (the agent's environment allow-list and process limits; the whole process tree
 * killed at the timeout or when the task stops). The model reads stdout, stderr and a non-zero exit
 * code as the result: a failing command is an answer, not a tool error. A timeout is a `TOOL_FAILED`
 * whose message carries what the command printed until then. Offered only under the `full` ceiling.
 * Under file leases (`context.leases`) the command's changes to files the task holds no lease on are
 * reverted and the model told so (see `startBashLeaseCheck`); outside a git work tree it is refused.
 */
export const bashTool: WorkspaceTool<BashInput> = {
  name: 'Bash',
  permission: 'full',
  description: [
    'Runs a shell command with bash in the workspace folder (the working directory) and returns its stdout, stderr and exit code.',
    `The command is killed with every process it started after \`timeout\` ms (default ${DEFAULT_BASH_TIMEOUT_MS}, at most ${MAX_BASH_TIMEOUT_MS}).`,
    `stdin is empty: do not run interactive programs. Output beyond ${MAX_BASH_OUTPUT_CHARS} characters per stream is cut in the middle.`,
    'Each call starts a fresh shell: `cd` and variables do not carry over. Prefer Read, Grep, Glob, Edit and Write for files.',
  ].join(' '),
  inputSchema: bashInputSchema,
  summarize: (input) => summarizeCommand(input.command),
  async execute(input, context) {
    const { runShell, signal } = context;
    if (runShell === undefined) throw new EnsembleError('TOOL_REFUSED', 'Bash: no shell in this run');
    if (input.command.includes('\0')) throw new EnsembleError('TOOL_REFUSED', 'Bash: the command contains a NUL byte');
    const timeoutMs = input.timeout ?? DEFAULT_BASH_TIMEOUT_MS;
    // Under file leases the work tree is snapshotted first, so what the command changed can be checked.
    const leaseCheck = await startBashLeaseCheck(context);
    let result: ShellResult;
    try {
      result = await runShell({ command: input.command, cwd: context.workspaceDir, timeoutMs, maxOutputChars: MAX_BASH_OUTPUT_CHARS, signal });
    } catch (error) {
      // The task stopping is not the command's failure: its reason goes on untouched.
      if (signal.aborted) throw error;
      const leaseNote = (await leaseCheck?.finish(signal)) ?? '';
      throw new EnsembleError('TOOL_FAILED', `Bash: ${error instanceof Error ? error.message : String(error)}${leaseNote === '' ? '' : `\n${leaseNote}`}`, { cause: error });
    }
    const leaseNote = signal.aborted ? '' : ((await leaseCheck?.finish(signal)) ?? '');
    const output = [formatShellResult(result), leaseNote].filter((part) => part !== '').join('\n');
    if (result.isTimedOut) {
      throw new EnsembleError('TOOL_FAILED', `Bash: killed after ${timeoutMs} ms (timeout)${output === '' ? '' : `; output until then:\n${output}`}`, {
        details: { timeoutMs },
      });
    }
    return { output: output === '' ? '(no output)' : output };
  },
};

/** The model's view of a finished command: stdout, then stderr under a label, then a non-zero exit code or a kill. */
export function formatShellResult(result: ShellResult): string {
  const parts: string[] = [];
  if (result.stdout !== '') parts.push(result.stdout.replace(/\n$/, ''));
  if (result.stderr !== '') parts.push(`[stderr]\n${result.stderr.replace(/\n$/, '')}`);
  if (!result.isTimedOut) {
    if (result.exitCode === null) parts.push('[killed by a signal]');
    else if (result.exitCode !== 0) parts.push(`[exit code ${result.exitCode}]`);
  }
  return parts.join('\n');
}

/** The command on one line (whitespace runs collapsed), cut to 200 characters. */
function summarizeCommand(command: string): string {
  const line = command.replace(/\s+/g, ' ').trim();
  return line.length <= MAX_SUMMARY_CHARS ? line : `${line.slice(0, MAX_SUMMARY_CHARS - 1)}…`;
}
