import { readFileSync } from 'node:fs';
import { EnsembleError } from '../../core/index.js';
import { PROMPT_PLACEHOLDER } from '../schema.js';

/** Linux's limit on one argument or environment string, NUL included: MAX_ARG_STRLEN, 32 pages of 4 KiB (include/uapi/linux/binfmts.h). */
export const MAX_ARG_STRLEN_BYTES = 131_072;
// fs/exec.c bprm_stack_limits: argv + envp may use a quarter of the stack limit, at most 3/4 of _STK_LIM (8 MiB), at least 128 KiB.
const LINUX_MAX_TOTAL_BYTES = 6 * 1024 * 1024;
const LINUX_MIN_TOTAL_BYTES = 128 * 1024;
// macOS ARG_MAX (sysctl kern.argmax): argv and envp together, no per-string limit.
const DARWIN_MAX_TOTAL_BYTES = 1024 * 1024;
const POINTER_BYTES = 8;

/** What execve would refuse with E2BIG. */
export type ArgumentSizeProblem =
  | { readonly kind: 'argument'; readonly index: number; readonly bytes: number; readonly limitBytes: number }
  | { readonly kind: 'environment'; readonly name: string; readonly bytes: number; readonly limitBytes: number }
  | { readonly kind: 'total'; readonly bytes: number; readonly limitBytes: number };

/** Limits of the system's execve: per string (undefined: none) and for argv and envp together, in bytes. */
export interface ExecLimits {
  readonly perStringBytes: number | undefined;
  readonly totalBytes: number | undefined;
}

/** The first thing in `argv` and `environment` that execve would refuse under `limits`, if any. */
export function findArgumentSizeProblem(
  argv: readonly string[],
  environment: Readonly<Record<string, string>>,
  limits: ExecLimits,
): ArgumentSizeProblem | undefined {
  let total = (argv.length + Object.keys(environment).length + 2) * POINTER_BYTES;
  for (const [index, argument] of argv.entries()) {
    const bytes = Buffer.byteLength(argument) + 1;
    if (limits.perStringBytes !== undefined && bytes > limits.perStringBytes) return { kind: 'argument', index, bytes, limitBytes: limits.perStringBytes };
    total += bytes;
  }
  for (const [name, value] of Object.entries(environment)) {
    const bytes = Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
    if (limits.perStringBytes !== undefined && bytes > limits.perStringBytes) return { kind: 'environment', name, bytes, limitBytes: limits.perStringBytes };
    total += bytes;
  }
  if (limits.totalBytes !== undefined && total > limits.totalBytes) return { kind: 'total', bytes: total, limitBytes: limits.totalBytes };
  return undefined;
}

/** This system's execve limits; children inherit this process's stack limit, which sets the total on Linux. */
export function readExecLimits(): ExecLimits {
  if (process.platform === 'darwin') return { perStringBytes: undefined, totalBytes: DARWIN_MAX_TOTAL_BYTES };
  if (process.platform !== 'linux') return { perStringBytes: undefined, totalBytes: undefined };
  let stackBytes = Number.POSITIVE_INFINITY;
  try {
    const line = /^Max stack size\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    if (line !== null && line[1] !== 'unlimited') stackBytes = Number(line[1]);
  } catch {
    stackBytes = 8 * 1024 * 1024; // The usual default.
  }
  const total = Math.max(LINUX_MIN_TOTAL_BYTES, Math.min(LINUX_MAX_TOTAL_BYTES, Number.isFinite(stackBytes) ? stackBytes / 4 : LINUX_MAX_TOTAL_BYTES));
  return { perStringBytes: MAX_ARG_STRLEN_BYTES, totalBytes: total };
}

/**
 * Fails before spawning what execve would refuse (`spawn E2BIG`), with `AGENT_SPAWN_FAILED` (not
 * retryable: the same prompt fails every time) naming the agent, the size, the limit and the fix.
 */
export function checkArgumentSize(
  agentName: string,
  template: readonly string[],
  argv: readonly string[],
  environment: Readonly<Record<string, string>>,
  limits: ExecLimits = readExecLimits(),
): void {
  const problem = findArgumentSizeProblem(argv, environment, limits);
  if (problem === undefined) return;
  const usesPromptArgument = template.includes(PROMPT_PLACEHOLDER);
  const stdinFix = `remove "${PROMPT_PLACEHOLDER}" from the agent's command so the prompt comes on stdin (it is also in the file named by $ENSEMBLE_PROMPT_FILE)`;
  let message: string;
  if (problem.kind === 'argument' && template[problem.index] === PROMPT_PLACEHOLDER) {
    message = `the prompt is ${problem.bytes - 1} bytes, too long for one command-line argument (the system takes at most ${problem.limitBytes - 1}); ${stdinFix}`;
  } else if (problem.kind === 'argument') {
    message = `argument ${problem.index} of its command is ${problem.bytes - 1} bytes, over the system's limit of ${problem.limitBytes - 1} bytes per argument`;
  } else if (problem.kind === 'environment') {
    message = `the environment variable ${problem.name} is ${problem.bytes} bytes, over the system's limit of ${problem.limitBytes} bytes per variable; stop passing it (the agent's env:)`;
  } else {
    message = `its command line and environment take ${problem.bytes} bytes, over the system's limit of ${problem.limitBytes} bytes (ARG_MAX); ${usesPromptArgument ? stdinFix : 'shorten the command or the declared environment'}`;
  }
  throw new EnsembleError('AGENT_SPAWN_FAILED', `agent "${agentName}" cannot be started: ${message}`, {
    retryable: false,
    details: { agentName, reason: 'argument-too-long', ...problem },
  });
}
