import { EnsembleError, exitCodeFor, isEnsembleError } from '../core/index.js';
import { defaultStorePath } from '../store/index.js';
import { createPalette, shouldUseColor, type Palette } from './format.js';
import { guardOutput, sanitizeTerminalText, type OutputStream, type TerminalOutput } from './terminal/index.js';

/** Options every command accepts. */
export interface GlobalOptions {
  readonly agentsDir: readonly string[];
  readonly db?: string;
  readonly json: boolean;
}

/** Where the CLI reads and writes: the process's streams, or a test's. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** {@link CliIo} with outputs that survive a reader going away. */
export interface GuardedIo {
  readonly stdout: TerminalOutput;
  readonly stderr: TerminalOutput;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export interface CliContext extends GuardedIo {
  readonly options: GlobalOptions;
  readonly palette: Palette;
  readonly errorPalette: Palette;
  readonly storePath: string;
  print(line?: string): void;
  printJson(value: unknown): void;
}

export function guardIo(io: CliIo): GuardedIo {
  return { stdout: guardOutput(io.stdout), stderr: guardOutput(io.stderr), env: io.env, cwd: io.cwd };
}

export function createCliContext(io: GuardedIo, options: GlobalOptions): CliContext {
  return {
    ...io,
    options,
    palette: createPalette(shouldUseColor(io.stdout, io.env)),
    errorPalette: createPalette(shouldUseColor(io.stderr, io.env)),
    storePath: options.db ?? defaultStorePath(io.env, io.cwd),
    print: (line = '') => io.stdout.write(`${line}\n`),
    printJson: (value) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
}

/** Exit codes: 0 everything succeeded, 1 some task (or the run) failed, 2 the input was invalid (core's `exitCodeFor` decides per error code). */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID_INPUT = 2;

/** Prints an error as `error [CODE]: message` (or as JSON with --json) and returns its exit code. */
export function reportError(io: GuardedIo, error: unknown, asJson: boolean): number {
  const ensembleError = isEnsembleError(error) ? error : new EnsembleError('INTERNAL', error instanceof Error ? error.message : String(error));
  // A run that had started is named, so it can be looked at or resumed.
  const runId = ensembleError.details?.['runId'];
  const namedRun = typeof runId === 'string' && !ensembleError.message.includes(runId) ? runId : undefined;
  if (asJson) {
    io.stdout.write(`${JSON.stringify({ error: { code: ensembleError.code, message: ensembleError.message, ...(namedRun === undefined ? {} : { runId: namedRun }) } })}\n`);
  } else {
    const palette = createPalette(shouldUseColor(io.stderr, io.env));
    // Messages may quote an agent's stderr: it must not drive the terminal.
    io.stderr.write(`${palette.red(`error [${ensembleError.code}]`)}: ${sanitizeTerminalText(ensembleError.message)}\n`);
    if (namedRun !== undefined) io.stderr.write(`${palette.dim(`run ${namedRun} · ensemble runs show ${namedRun}`)}\n`);
    if (ensembleError.code === 'INTERNAL' && error instanceof Error && error.stack !== undefined && io.env.ENSEMBLE_DEBUG !== undefined) {
      io.stderr.write(`${error.stack}\n`);
    }
  }
  return exitCodeFor(ensembleError);
}

// Commands import flag parsing from here along with the context.
export { parseIntegerFlag, parseDollarFlag } from './parse-integer-flag.js';
