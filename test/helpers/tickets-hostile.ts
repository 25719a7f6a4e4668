import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { parseNdjson, runCli, startCli, type CliResult } from './cli.js';

/**
 * A fake coding agent that logs what it does (`start <ticket> <pid>` when it starts, `edit <ticket> <pid>`
 * after it edited) to HOSTILE_LOG, waits HOSTILE_DELAY_MS (default 300) BEFORE editing (so an attempt
 * killed while it waits wrote nothing), then appends `// <ticket>` to each file the ticket names.
 */
const LOGGED_EDITOR = `
import { appendFileSync } from 'node:fs';
let prompt = '';
for await (const chunk of process.stdin) prompt += chunk;
const ticket = /Ticket (T-\\d+)/.exec(prompt)?.[1] ?? 'T-?';
const files = (/Files this ticket is expected to change: (.*)/.exec(prompt)?.[1] ?? '').split(', ').filter(Boolean);
const log = process.env.HOSTILE_LOG;
appendFileSync(log, 'start ' + ticket + ' ' + process.pid + '\\n');
await new Promise((resolve) => setTimeout(resolve, Number(process.env.HOSTILE_DELAY_MS ?? 300)));
for (const file of files) appendFileSync(file, '// ' + ticket + '\\n');
appendFileSync(log, 'edit ' + ticket + ' ' + process.pid + '\\n');
console.log('edited ' + files.join(', ') + ' for ' + ticket);
`;

/** An asker whose escalation carries a deadline (0.02 min) and a default ("Postgres"); with guidance it writes `// cache on <answer>`. */
const DEADLINE_ASKER = `
import { appendFileSync } from 'node:fs';
let prompt = '';
for await (const chunk of process.stdin) prompt += chunk;
if (!prompt.includes('Guidance from a person')) {
  console.log('<ESCALATE reason="Which database should the cache use?" type="architecture" deadline-minutes="0.02" default="Postgres">');
  console.log('- Postgres');
  console.log('- SQLite');
  console.log('</ESCALATE>');
} else {
  const files = (/Files this ticket is expected to change: (.*)/.exec(prompt)?.[1] ?? '').split(', ').filter(Boolean);
  const answer = /A person answered: (.*)|default action stands: (.*)/.exec(prompt);
  for (const file of files) appendFileSync(file, '// cache on ' + (answer?.[1] ?? answer?.[2] ?? '?') + '\\n');
  console.log('done with the guidance');
}
`;

/**
 * Adds to `agentsDir` (made by `writeTicketTeam`) the agents of the hostile tests: `logged-editor`
 * (see LOGGED_EDITOR; HOSTILE_LOG and HOSTILE_DELAY_MS pass through to it) and `deadline-asker`.
 * Returns the log file the logged editor writes.
 */
export function writeHostileAgents(folder: string, agentsDir: string): string {
  mkdirSync(agentsDir, { recursive: true });
  const editor = join(folder, 'logged-editor.mjs');
  const asker = join(folder, 'deadline-asker.mjs');
  writeFileSync(editor, LOGGED_EDITOR);
  writeFileSync(asker, DEADLINE_ASKER);
  const define = (name: string, script: string, env: readonly string[]): void => {
    writeFileSync(
      join(agentsDir, `${name}.md`),
      `---\nname: ${name}\ndescription: hostile test agent ${name}\ncategory: development\nruntime: command\ncommand: ${JSON.stringify(['node', script])}\n` +
        (env.length === 0 ? '' : `env: ${JSON.stringify(env)}\n`) +
        `---\nEdits the ticket's files.\n`,
    );
  };
  define('logged-editor', editor, ['HOSTILE_LOG', 'HOSTILE_DELAY_MS']);
  define('deadline-asker', asker, []);
  const log = join(folder, 'hostile.log');
  writeFileSync(log, '');
  return log;
}

/** A line of the logged editor's log. */
export interface EditorLogEntry {
  readonly kind: 'start' | 'edit';
  readonly ticket: string;
  readonly pid: number;
}

export function readEditorLog(log: string): EditorLogEntry[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [kind, ticket, pid] = line.split(' ');
      return { kind: kind as EditorLogEntry['kind'], ticket: ticket!, pid: Number(pid) };
    });
}

/** A CLI process whose stdout NDJSON events are collected as they come. */
export interface RunningCli {
  readonly child: ChildProcess;
  /** Complete NDJSON lines so far. */
  events(): Record<string, unknown>[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code and signal once the process closed. */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startRunningCli(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): RunningCli {
  const child = startCli(args, options);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    events: () => parseNdjson(out.slice(0, out.lastIndexOf('\n') + 1)),
    stdout: () => out,
    stderr: () => err,
    closed,
  };
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined, at most `timeoutMs`; throws with `what` (read then) otherwise. */
export async function waitFor<T>(what: string | (() => string), check: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; round < 10_000; round++) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
}

/** Waits (bounded) for a running CLI to end; kills it and throws when it does not. */
export async function waitForExit(running: RunningCli, timeoutMs = 90_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      running.child.kill('SIGKILL');
      reject(new Error(`the CLI did not end in ${timeoutMs} ms\nstdout:\n${running.stdout()}\nstderr:\n${running.stderr()}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([running.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `ensemble <args> --json --db <db>` parsed; throws with the output when it does not exit 0. */
export async function cliJson<T>(args: readonly string[], options: { cwd: string; db: string; env?: NodeJS.ProcessEnv }): Promise<T> {
  const result: CliResult = await runCli([...args, '--json', '--db', options.db], { cwd: options.cwd, ...(options.env === undefined ? {} : { env: options.env }) });
  if (result.code !== 0) throw new Error(`ensemble ${args.join(' ')} exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
