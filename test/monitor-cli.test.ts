import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayWidth } from '../src/cli/terminal/index.js';
import { cliEnv, cliPath, isProcessGone, parseNdjson, runCli, startCli } from './helpers/cli.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';
import { VirtualTerminal } from './helpers/virtual-terminal.js';
import { waitUntil } from './helpers/wait-until.js';

/** Long enough for every check below on a loaded 2-core machine; the run is interrupted at the end. */
const BURN_MS = 180_000;
const SLOW_MS = 120_000;

// A command agent that burns CPU while holding 24 MB it keeps touching.
const BURNER_SOURCE = `const end = Date.now() + ${BURN_MS}; const hold = Buffer.alloc(24 * 1024 * 1024, 1); let i = 0; while (Date.now() < end) { hold[i++ % hold.length]++; }`;

interface MonitorJson {
  readonly host: { readonly name: string; readonly cpuPercent: number; readonly memoryTotalMb: number };
  readonly runs: readonly { readonly runId: string; readonly processAgentLimit: number; readonly maxParallelAgents: number; readonly limitReason: string | null; readonly ownerAlive: boolean }[];
  readonly agents: readonly {
    readonly runId: string;
    readonly taskId: string;
    readonly agentName: string;
    readonly pid: number | null;
    readonly cpuPercent: number | null;
    readonly cpuSeconds: number | null;
    readonly rssBytes: number | null;
    readonly elapsedMs: number;
  }[];
}

/** util-linux `script` gives the CLI a real pseudo-terminal of a chosen size. */
function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const shellQuote = (value: string): string => `'${value.replaceAll("'", "'\\''")}'`;

describe('ensemble monitor (real CLI, a real run of two CPU-burning command agents)', () => {
  let temp: TempFolder;
  let db: string;
  let run: ChildProcess;
  let runId: string;
  let agentPids: Map<string, number>;

  beforeAll(async () => {
    temp = createTempFolder('ensemble-monitor-cli-');
    db = join(temp.folder, 'journal.db');
    const agentsDir = join(temp.folder, 'agents');
    mkdirSync(agentsDir);
    writeFileSync(
      join(agentsDir, 'burner.md'),
      `---\nname: burner\ndescription: Burns CPU\nruntime: command\ncommand: ${JSON.stringify([process.execPath, '-e', BURNER_SOURCE])}\n---\nBurns.\n`,
    );
    writeFileSync(
      join(temp.folder, 'burn.json'),
      JSON.stringify({ name: 'burn test', config: { maxParallelAgents: 2 }, tasks: ['burn-a', 'burn-b'].map((id) => ({ id, agentName: 'burner', prompt: 'burn' })) }),
    );
    run = startCli(['run', 'burn.json', '--json', '--db', db, '--agents-dir', agentsDir], { cwd: temp.folder, env: { ENSEMBLE_PRESSURE_CONTROL: 'off' } });
    let stdout = '';
    run.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const started = await waitUntil(
      () => {
        const events = parseNdjson(stdout.slice(0, stdout.lastIndexOf('\n') + 1));
        const groups = events.filter((event) => event.type === 'agent:process' && event.state === 'started');
        return groups.length >= 2 && { runId: String(events[0]!.runId), groups };
      },
      'both agents to start',
      { timeoutMs: 60_000 },
    );
    runId = started.runId;
    agentPids = new Map(started.groups.map((event) => [String(event.taskId), Number(event.pid)]));
  }, SLOW_MS);

  afterAll(async () => {
    if (run.exitCode === null) {
      const exited = new Promise((resolve) => run.once('close', resolve));
      // One Ctrl-C cancels the run, which kills its agents' process groups.
      run.kill('SIGINT');
      await exited;
    }
    for (const pid of agentPids?.values() ?? []) await waitUntil(() => isProcessGone(pid), `agent ${pid} to end`, { timeoutMs: 30_000 });
    temp.remove();
  }, SLOW_MS);

  it('--json lists both agents with their journaled pids, CPU, RSS and task ids, and the run with its limit', async () => {
    const result = await runCli(['monitor', '--json', '--db', db], { cwd: temp.folder });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const snapshot = JSON.parse(result.stdout) as MonitorJson;
    expect(snapshot.host.memoryTotalMb).toBeGreaterThan(0);
    const agents = snapshot.agents.filter((agent) => agent.runId === runId).sort((a, b) => a.taskId.localeCompare(b.taskId));
    expect(agents.map((agent) => [agent.taskId, agent.agentName, agent.pid])).toEqual([
      ['burn-a', 'burner', agentPids.get('burn-a')],
      ['burn-b', 'burner', agentPids.get('burn-b')],
    ]);
    for (const agent of agents) {
      // Busy loops: well above idle over the 500 ms window, even sharing two cores with the rest of CI.
      expect(agent.cpuPercent).toBeGreaterThan(5);
      expect(agent.cpuSeconds).toBeGreaterThan(0);
      expect(agent.rssBytes).toBeGreaterThan(24 * 1024 * 1024);
      expect(agent.elapsedMs).toBeGreaterThan(0);
    }
    expect(snapshot.runs.find((entry) => entry.runId === runId)).toMatchObject({ maxParallelAgents: 2, processAgentLimit: 2, limitReason: null, ownerAlive: true });
  }, SLOW_MS);

  it('on a pipe prints one plain snapshot that fits COLUMNS=40, with both agents and no cursor codes', async () => {
    const result = await runCli(['monitor', '--db', db], { cwd: temp.folder, env: { COLUMNS: '40' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('\u001b');
    const lines = result.stdout.trimEnd().split('\n');
    for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(39);
    expect(lines.find((line) => line.startsWith('TASK'))).toMatch(/^TASK\s+PID\s+CPU%/);
    for (const [taskId, pid] of agentPids) expect(lines.some((line) => line.startsWith(taskId) && line.includes(String(pid)))).toBe(true);

    const wide = await runCli(['monitor', '--db', db], { cwd: temp.folder, env: { COLUMNS: '200' } });
    const header = wide.stdout.split('\n').find((line) => line.startsWith('RUN'));
    expect(header?.split(/\s+/)).toEqual(['RUN', 'TASK', 'AGENT', 'PID', 'CPU%', 'RSS', 'ELAPSED', 'TOOL', 'TOKENS']);
  }, SLOW_MS);

  it('`monitor | head -1` ends cleanly, and a bad --interval exits 2 naming the flag', async () => {
    const quoted = [process.execPath, cliPath, 'monitor', '--db', db].map(shellQuote).join(' ');
    const piped = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('bash', ['-c', `${quoted} | head -1; exit \${PIPESTATUS[0]}`], { cwd: temp.folder, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the pipeline did not end\nstderr:\n${stderr}`));
      }, 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    expect(piped.stdout.split('\n')).toHaveLength(2);

    const bad = await runCli(['monitor', '--interval', '50', '--db', db], { cwd: temp.folder });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--interval: expected an integer from 100 to 600000.*got "50"/);
  }, SLOW_MS);

  it.skipIf(!hasScript())('on a real pseudo-terminal of 50 columns redraws in place, quits on q with exit 0 and gives the terminal back in cooked mode', async () => {
    const monitor = [process.execPath, cliPath, 'monitor', '--interval', '200', '--db', db].map(shellQuote).join(' ');
    const inner = `stty cols 50 rows 24; ${monitor}; echo "monitor exited $?"; stty -a`;
    const child = spawn('script', ['-q', '-e', '-c', inner, '/dev/null'], { cwd: temp.folder, env: cliEnv({ LANG: 'C.UTF-8', LC_ALL: '' }), stdio: ['pipe', 'pipe', 'pipe'] });
    let raw = '';
    child.stdout.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitUntil(() => raw.split('CPU ').length > 4, 'three frames', { timeoutMs: 60_000 });
      child.stdin.write('q');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const [view = '', after = ''] = raw.split('monitor exited');
    expect(after).toMatch(/^ 0/);
    // Raw mode cleared ICANON, ECHO and ISIG; they are back on (stty prints "-icanon" while off).
    for (const flag of ['icanon', 'echo', 'isig']) expect(after).toMatch(new RegExp(`(^|\\s)${flag}(\\s|$)`));
    const terminal = new VirtualTerminal(50, 24);
    terminal.write(view);
    const screen = terminal.lines().filter((line) => line.trim() !== '');
    expect(terminal.scrollback).toEqual([]);
    expect(screen.filter((line) => line.startsWith('CPU '))).toHaveLength(1);
    for (const line of screen) expect(displayWidth(line), line).toBeLessThanOrEqual(49);
    for (const pid of agentPids.values()) expect(screen.some((line) => line.includes(String(pid)))).toBe(true);
  }, SLOW_MS);
});
