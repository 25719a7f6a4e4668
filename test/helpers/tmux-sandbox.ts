import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const RUNNER_SOURCE = fileURLToPath(new URL('../../src/codebase/tmux/tmux-window-runner.ts', import.meta.url));
let sandboxCount = 0;

/** A private tmux server (`-L <socketName>` with its socket under `tmuxTmpDir`) and a built window runner. */
export interface TmuxSandbox {
  /** The temp folder: holds the socket folder and the runner; scratch files of tests may go here too. */
  readonly folder: string;
  readonly socketName: string;
  readonly tmuxTmpDir: string;
  /** The window runner teams of the sandbox run. */
  readonly runnerPath: string;
  /** Runs a tmux client command on the private server. */
  readonly tmux: (...args: string[]) => { readonly status: number | null; readonly stdout: string; readonly stderr: string };
  /** Kills the private server and removes the folder. */
  readonly remove: () => void;
}

/** Fails the test with the fix when tmux is missing: nothing is skipped. */
export function requireTmux(): void {
  const result = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error('tmux is missing: run `sh scripts/ensure-debian-package.sh tmux tmux tests` (npm test runs it in pretest), which installs Debian\'s tmux');
  }
}

/** Bundles `tmux-window-runner.ts` for node into `folder` (vitest runs sources; `dist/` may be stale or absent); about a second, so once per file. */
export function buildWindowRunner(folder: string): string {
  const runnerPath = join(folder, 'tmux-window-runner.mjs');
  buildSync({ entryPoints: [RUNNER_SOURCE], outfile: runnerPath, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error' });
  return runnerPath;
}

/** A private tmux server in a fresh temp folder, using `runnerPath` (else a runner built into the folder); call `remove` in afterEach/afterAll. */
export function createTmuxSandbox(options: { readonly runnerPath?: string } = {}): TmuxSandbox {
  requireTmux();
  const folder = mkdtempSync(join(tmpdir(), 'ensemble-tmux-test-'));
  const tmuxTmpDir = join(folder, 'sockets');
  mkdirSync(tmuxTmpDir, { mode: 0o700 });
  const socketName = `ensemble-test-${process.pid}-${++sandboxCount}`;
  const runnerPath = options.runnerPath ?? buildWindowRunner(folder);
  const tmux = (...args: string[]) => {
    const result = spawnSync('tmux', ['-L', socketName, ...args], { encoding: 'utf8', env: { ...process.env, TMUX_TMPDIR: tmuxTmpDir }, timeout: 10_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  return {
    folder,
    socketName,
    tmuxTmpDir,
    runnerPath,
    tmux,
    remove: () => {
      tmux('kill-server');
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` every 50 ms until it returns a value, at most `timeoutMs`; the last probe's answer otherwise throws. */
export async function waitUntil<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; round < Math.ceil(timeoutMs / 50) + 1; round++) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
