import { EnsembleError, isEnsembleError, type ErrorCode } from '../core/index.js';
import { defaultStorePath } from '../store/index.js';
import { createPalette, shouldUseColor, type Palette } from './format.js';

/** Options every command accepts. */
export interface GlobalOptions {
  readonly agentsDir: readonly string[];
  readonly db?: string;
  readonly json: boolean;
}

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; rows?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export interface CliContext extends CliIo {
  readonly options: GlobalOptions;
  readonly palette: Palette;
  readonly errorPalette: Palette;
  readonly storePath: string;
  print(line?: string): void;
  printJson(value: unknown): void;
}

export function createCliContext(io: CliIo, options: GlobalOptions): CliContext {
  return {
    ...io,
    options,
    palette: createPalette(shouldUseColor(io.stdout, io.env)),
    errorPalette: createPalette(shouldUseColor(io.stderr, io.env)),
    storePath: options.db ?? defaultStorePath(io.env, io.cwd),
    print: (line = '') => void io.stdout.write(`${line}\n`),
    printJson: (value) => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
}

/** Exit codes: 0 everything succeeded, 1 some task (or the run) failed, 2 the input was invalid. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID_INPUT = 2;

const INPUT_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INVALID_INPUT',
  'INVALID_WORKFLOW',
  'GRAPH_CYCLE',
  'GRAPH_UNKNOWN_DEPENDENCY',
  'GRAPH_DUPLICATE_ID',
  'UNKNOWN_AGENT',
  'UNKNOWN_WORKFLOW',
  'UNKNOWN_RUN',
  'INVALID_AGENT_DEFINITION',
  'RUN_NOT_RESUMABLE',
  'INVALID_CONFIG',
  'PROVIDER_NOT_CONFIGURED',
]);

export function exitCodeFor(error: unknown): number {
  return isEnsembleError(error) && INPUT_ERROR_CODES.has(error.code) ? EXIT_INVALID_INPUT : EXIT_FAILED;
}

/** Prints an error as `error [CODE]: message` (or as JSON with --json) and returns its exit code. */
export function reportError(io: CliIo, error: unknown, asJson: boolean): number {
  const ensembleError = isEnsembleError(error) ? error : new EnsembleError('INTERNAL', error instanceof Error ? error.message : String(error));
  if (asJson) {
    io.stdout.write(`${JSON.stringify({ error: { code: ensembleError.code, message: ensembleError.message } })}\n`);
  } else {
    const palette = createPalette(shouldUseColor(io.stderr, io.env));
    io.stderr.write(`${palette.red(`error [${ensembleError.code}]`)}: ${ensembleError.message}\n`);
    if (ensembleError.code === 'INTERNAL' && error instanceof Error && error.stack !== undefined && io.env.ENSEMBLE_DEBUG !== undefined) {
      io.stderr.write(`${error.stack}\n`);
    }
  }
  return exitCodeFor(ensembleError);
}

/** Parses a positive integer flag, naming the flag when it is not one. */
export function parseIntegerFlag(flag: string, value: string, minimum: number, maximum: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum || parsed > maximum) {
    throw new EnsembleError('INVALID_INPUT', `${flag}: expected an integer from ${minimum} to ${maximum}, got "${value}"`);
  }
  return parsed;
}
