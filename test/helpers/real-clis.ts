import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The coding-agent CLIs the `cli` presets are checked against, at the releases the README names.
 * They are installed into a cache folder outside the project (never into its dependencies), once
 * per machine: the packages carry their native binaries, so nothing else is downloaded.
 */
export const REAL_CLI_PACKAGES = {
  claude: { packageName: '@anthropic-ai/claude-code', version: '2.1.197' },
  gemini: { packageName: '@google/gemini-cli', version: '0.61.0' },
  codex: { packageName: '@openai/codex', version: '0.171.0' },
} as const;

export type RealCliName = keyof typeof REAL_CLI_PACKAGES;

/** Where the CLIs are installed: `$ENSEMBLE_TEST_CLI_CACHE`, else `~/.cache/ensemble-test-clis/<versions>`. */
export function realCliCacheDir(): string {
  const versions = Object.values(REAL_CLI_PACKAGES)
    .map(({ packageName, version }) => `${packageName.split('/').at(-1)}-${version}`)
    .join('_');
  return process.env.ENSEMBLE_TEST_CLI_CACHE ?? join(homedir(), '.cache', 'ensemble-test-clis', versions);
}

/** How long an install may take before the test set-up gives up (about 20 s on this machine). */
const INSTALL_TIMEOUT_MS = 300_000;
/** A lock older than this was left by a killed installer. */
const STALE_LOCK_MS = INSTALL_TIMEOUT_MS + 30_000;

/**
 * Installs the three CLIs into the cache folder unless a complete install is there, and returns
 * the folder of their executables (`node_modules/.bin`). Test files call it in `beforeAll`; vitest
 * runs files in parallel processes, so a lock folder makes one of them install and the others wait.
 * Scripts are not run (`--ignore-scripts`: gemini's optional node-pty would compile) but for
 * Claude Code's, which only links the binary its platform package carries.
 */
export function ensureRealClis(): string {
  const cacheDir = realCliCacheDir();
  const binDir = join(cacheDir, 'node_modules', '.bin');
  const marker = join(cacheDir, 'installed.json');
  const expected = JSON.stringify(REAL_CLI_PACKAGES);
  if (isInstalled(marker, expected)) return binDir;
  mkdirSync(cacheDir, { recursive: true });
  const lock = join(cacheDir, '.installing');
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (isInstalled(marker, expected)) return binDir;
      if (Date.now() > deadline || isStale(lock)) rmSync(lock, { recursive: true, force: true });
      else sleepSync(500);
    }
  }
  try {
    if (isInstalled(marker, expected)) return binDir;
    const specs = Object.values(REAL_CLI_PACKAGES).map(({ packageName, version }) => `${packageName}@${version}`);
    writeFileSync(join(cacheDir, 'package.json'), JSON.stringify({ name: 'ensemble-test-clis', private: true }));
    execFileSync('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '--prefix', cacheDir, ...specs], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: INSTALL_TIMEOUT_MS,
    });
    // Claude Code's one script only links the native binary of its platform package into bin/.
    execFileSync(process.execPath, [join(cacheDir, 'node_modules', '@anthropic-ai', 'claude-code', 'install.cjs')], {
      cwd: join(cacheDir, 'node_modules', '@anthropic-ai', 'claude-code'),
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: INSTALL_TIMEOUT_MS,
    });
    for (const name of Object.keys(REAL_CLI_PACKAGES)) {
      if (!existsSync(join(binDir, name))) throw new Error(`installing the real CLIs into ${cacheDir} left no ${name} executable`);
    }
    writeFileSync(marker, expected);
    return binDir;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function isInstalled(marker: string, expected: string): boolean {
  try {
    return readFileSync(marker, 'utf8') === expected;
  } catch {
    return false;
  }
}

function isStale(lock: string): boolean {
  try {
    return Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS;
  } catch {
    return true;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
