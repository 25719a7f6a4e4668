import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = join(repoRoot, 'bin', 'ensemble.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ENSEMBLE_SIMULATED_LATENCY_MS: '0', NO_COLOR: '1', ...extra };
  // Keys from the developer's shell must not turn tests into real provider calls.
  for (const key of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY', 'OLLAMA_BASE_URL', 'OPENAI_BASE_URL', 'ENSEMBLE_MODEL', 'ENSEMBLE_HOME']) {
    if (!(key in extra)) delete env[key];
  }
  return env;
}

export function startCli(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): ChildProcess {
  return spawn(process.execPath, [cliPath, ...args], { cwd: options.cwd, env: cliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = startCli(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ensemble ${args.join(' ')} timed out\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export function parseNdjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function makeTempDir(prefix = 'ensemble-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A worker program for `command` agents that records what happens to it, from outside the
 * orchestrator: `start <task> <epoch ms> <pid>` and `end <task> <epoch ms>` lines in LOG.
 * Its prompt (stdin) holds directives: `sleep=MS`, `fail-until=N` (fail the first N attempts),
 * `spawn-grandchild` (start a long-sleeping grandchild and record both pids).
 */
export const WORKER_SOURCE = String.raw`
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const log = process.env.WORKER_LOG;
const task = process.env.ENSEMBLE_TASK_ID;
let prompt = '';
process.stdin.on('data', (chunk) => (prompt += chunk));
process.stdin.on('end', () => {
  const directive = (name) => { const match = prompt.match(new RegExp(name + '=(\\d+)')); return match ? Number(match[1]) : undefined; };
  fs.appendFileSync(log, 'start ' + task + ' ' + Date.now() + ' ' + process.pid + '\n');
  if (prompt.includes('spawn-grandchild')) {
    const grandchild = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    fs.appendFileSync(log, 'pids ' + task + ' ' + process.pid + ' ' + grandchild.pid + '\n');
  }
  const failUntil = directive('fail-until');
  if (failUntil !== undefined) {
    const counter = log + '.' + task + '.count';
    const count = fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) + 1 : 1;
    fs.writeFileSync(counter, String(count));
    if (count <= failUntil) { process.stderr.write('planned failure ' + count + '\n'); process.exit(3); }
  }
  setTimeout(() => {
    fs.appendFileSync(log, 'end ' + task + ' ' + Date.now() + '\n');
    const inputs = JSON.parse(fs.readFileSync(process.env.ENSEMBLE_INPUTS, 'utf8'));
    process.stdout.write('done ' + task + ' after ' + inputs.map((input) => input.taskId).join(',') + '\n');
  }, directive('sleep') ?? 0);
});
`;

/** Writes the worker script and a `worker` command agent into `folder`; returns the agents dir. */
export function writeWorkerAgent(folder: string, name = 'worker'): { agentsDir: string; workerPath: string } {
  const workerPath = join(folder, 'worker.cjs');
  writeFileSync(workerPath, WORKER_SOURCE);
  const agentsDir = join(folder, 'agents');
  mkdirSync(agentsDir, { recursive: true });
  writeFileSync(
    join(agentsDir, `${name}.md`),
    // `env`: process agents get an allow-listed environment; the worker needs WORKER_LOG passed through.
    `---\nname: ${name}\ndescription: Test worker that logs its start and end\ncategory: testing\nruntime: command\ncommand: ${JSON.stringify([process.execPath, workerPath])}\nenv: [WORKER_LOG]\n---\nRecords what it does to WORKER_LOG.\n`,
  );
  return { agentsDir, workerPath };
}

export interface WorkerLogEntry {
  readonly kind: 'start' | 'end' | 'pids';
  readonly task: string;
  readonly values: readonly number[];
}

export function parseWorkerLog(text: string): WorkerLogEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [kind, task, ...values] = line.split(' ');
      return { kind: kind as WorkerLogEntry['kind'], task: task!, values: values.map(Number) };
    });
}

/**
 * Whether a process is gone. A killed process whose parent died is re-parented to pid 1, which
 * in some containers never reaps it: such a zombie (state Z) has stopped running and counts as gone.
 */
export function isProcessGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
