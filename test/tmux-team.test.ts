import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EnsembleError } from '../src/core/index.js';
import { attachToMember, TmuxTeam } from '../src/codebase/tmux/index.js';
import { buildWindowRunner, createTmuxSandbox, waitUntil } from './helpers/tmux-sandbox.js';
import type { TmuxSandbox } from './helpers/tmux-sandbox.js';

const NODE = process.execPath;
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };

/** Whether a process exists and is not a zombie (a dead process its parent, tmux or init, has not reaped yet). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

// tmux, node and the window runner start slowly on a loaded 2-core runner: generous bounds, all finite.
describe('TmuxTeam on a private tmux server', { timeout: 90_000 }, () => {
  let runnerFolder: string;
  let runnerPath: string;
  let sandbox: TmuxSandbox;
  let team: TmuxTeam;
  const signal = new AbortController().signal;

  beforeAll(() => {
    runnerFolder = mkdtempSync(join(tmpdir(), 'ensemble-tmux-runner-'));
    runnerPath = buildWindowRunner(runnerFolder);
  });
  afterAll(() => rmSync(runnerFolder, { recursive: true, force: true }));
  beforeEach(() => {
    sandbox = createTmuxSandbox({ runnerPath });
    team = new TmuxTeam({ team: 'my repo.git', socketName: sandbox.socketName, tmuxTmpDir: sandbox.tmuxTmpDir, runnerPath, killGraceMs: 300 });
  });
  afterEach(() => sandbox.remove());

  it('runs a program in the member window and returns its stdout and exit code', async () => {
    const result = await team.runInWindow({
      member: 'coder',
      argv: [NODE, '-e', 'process.stdout.write("hello from " + process.env.WHO + " in " + process.cwd())'],
      cwd: sandbox.folder,
      env: { ...ENV, WHO: 'the agent' },
      signal,
    });
    expect(team.sessionName).toBe('ensemble-my_repo_git');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`hello from the agent in ${sandbox.folder}`);
    expect(result.pid).toBeGreaterThan(0);
    // The window stays for the user to read, with the output on screen.
    const windows = await team.listWindows(signal);
    expect(windows.map((window) => window.name)).toEqual(['~ensemble', 'coder']);
    expect(windows[1]?.isDead).toBe(true);
    expect(await team.capturePane('coder', { signal })).toContain('hello from the agent');
  });

  it('reports a failing exit code, stderr and a signal', async () => {
    const failed = await team.runInWindow({
      member: 'coder',
      argv: [NODE, '-e', 'console.error("it broke"); process.exit(3)'],
      cwd: sandbox.folder,
      env: ENV,
      signal,
    });
    expect(failed.exitCode).toBe(3);
    expect(failed.stderrTail).toContain('it broke');
    // The same window is reused for the member's next run.
    const killed = await team.runInWindow({ member: 'coder', argv: [NODE, '-e', 'process.kill(process.pid, "SIGKILL")'], cwd: sandbox.folder, env: ENV, signal });
    expect(killed.exitCode).toBeNull();
    expect(killed.signal).toBe('SIGKILL');
    expect((await team.listWindows(signal)).filter((window) => window.name === 'coder')).toHaveLength(1);
  });

  it('kills a program that writes past maxOutputBytes', async () => {
    const result = await team.runInWindow({
      member: 'coder',
      argv: [NODE, '-e', 'process.stdout.write("x".repeat(1000)); setInterval(() => {}, 1000)'],
      cwd: sandbox.folder,
      env: ENV,
      maxOutputBytes: 100,
      signal,
    });
    expect(result).toMatchObject({ isOutputExceeded: true, outputBytes: 1000, exitCode: null, signal: 'SIGKILL', stdout: '' });
  });

  it('fails AGENT_SPAWN_FAILED for a program that does not exist', async () => {
    const run = team.runInWindow({ member: 'coder', argv: ['/nonexistent/agent'], cwd: sandbox.folder, env: ENV, signal });
    await expect(run).rejects.toMatchObject({ code: 'AGENT_SPAWN_FAILED', message: expect.stringContaining('ENOENT') });
  });

  it('feeds the prompt file to stdin, never a tmux command line', async () => {
    const promptFile = join(sandbox.folder, 'prompt.txt');
    const prompt = 'secret prompt; $(rm -rf /) `echo no shell` \u00e9\n';
    writeFileSync(promptFile, prompt, { mode: 0o600 });
    const result = await team.runInWindow({
      member: 'coder',
      argv: [NODE, '-e', 'let s="";process.stdin.on("data",(c)=>s+=c).on("end",()=>process.stdout.write(JSON.stringify([s,process.argv[1]])))', '$HOME; echo `id`'],
      cwd: sandbox.folder,
      env: ENV,
      stdinFile: promptFile,
      signal,
    });
    // Arguments reach the program as they are: tmux executes argv, no shell expands them.
    expect(JSON.parse(result.stdout)).toEqual([prompt, '$HOME; echo `id`']);
  });

  it('fails AGENT_SPAWN_FAILED naming a workspace folder that does not exist', async () => {
    const run = team.runInWindow({ member: 'coder', argv: [NODE, '-e', ''], cwd: join(sandbox.folder, 'missing'), env: ENV, signal });
    await expect(run).rejects.toMatchObject({ code: 'AGENT_SPAWN_FAILED', message: expect.stringContaining('does not exist') });
  });

  it('kills the program and its window runner on abort', async () => {
    const controller = new AbortController();
    const pidFile = join(sandbox.folder, 'grandchild.pid');
    let started: { pid: number; runnerPid: number } | undefined;
    const run = team.runInWindow({
      member: 'sleeper',
      // A child that ignores SIGTERM and a grandchild: the whole group must go.
      argv: [NODE, '-e', `process.on("SIGTERM",()=>{});const c=require("child_process").spawn(process.execPath,["-e","setInterval(()=>{},1000)"],{stdio:"ignore"});require("fs").writeFileSync(${JSON.stringify(pidFile)},String(c.pid));setInterval(()=>{},1000)`],
      cwd: sandbox.folder,
      env: ENV,
      signal: controller.signal,
      onStarted: (info) => {
        started = info;
      },
    });
    const grandchild = await waitUntil(async () => {
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
      return pid > 0 ? pid : undefined;
    }, 'the grandchild');
    const reason = new EnsembleError('RUN_CANCELLED', 'stop');
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(started).toBeDefined();
    expect(isAlive(started!.pid)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
    // The window's runner exits on its own once its program is gone: give it a moment under load.
    for (let waits = 0; waits < 100 && isAlive(started!.runnerPid); waits++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isAlive(started!.runnerPid)).toBe(false);
  });

  it('gives two members two windows of one session', async () => {
    const [first, second] = await Promise.all(
      ['alice', 'bob'].map((member) =>
        team.runInWindow({ member, argv: [NODE, '-e', `setTimeout(()=>process.stdout.write(${JSON.stringify(member)}),200)`], cwd: sandbox.folder, env: ENV, signal }),
      ),
    );
    expect([first?.stdout, second?.stdout]).toEqual(['alice', 'bob']);
    const sessions = sandbox.tmux('list-sessions', '-F', '#{session_name}').stdout.trim().split('\n');
    expect(sessions).toEqual(['ensemble-my_repo_git']);
    expect((await team.listWindows(signal)).map((window) => window.name).sort()).toEqual(['alice', 'bob', '~ensemble']);
  });

  it('drives an interactive program with send-keys and reads it with capture-pane', async () => {
    const run = team.runInWindow({
      member: 'chatty',
      // No stdinFile: stdin is the window's terminal.
      argv: [NODE, '-e', 'require("readline").createInterface({input:process.stdin}).on("line",(l)=>{if(l==="bye")process.exit(0);console.log("echo:"+l.toUpperCase())})'],
      cwd: sandbox.folder,
      env: ENV,
      signal,
    });
    await waitUntil(async () => ((await team.listWindows(signal)).some((window) => window.name === 'chatty' && !window.isDead) ? true : undefined), 'the window');
    await team.sendKeys('chatty', ['hello tmux'], { literal: true, signal });
    await team.sendKeys('chatty', ['Enter'], { signal });
    const screen = await waitUntil(async () => {
      const text = await team.capturePane('chatty', { signal });
      return text.includes('echo:HELLO TMUX') ? text : undefined;
    }, 'the echo on screen');
    expect(screen).toContain('echo:HELLO TMUX');
    await team.sendKeys('chatty', ['bye', 'Enter'], { signal });
    const result = await run;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('echo:HELLO TMUX\n');
  });

  it('attaches a terminal to the member window found among the team sessions', async () => {
    await team.runInWindow({ member: 'coder', argv: [NODE, '-e', ''], cwd: sandbox.folder, env: ENV, signal });
    expect(team.attachArgs('coder')).toEqual(['tmux', '-L', sandbox.socketName, 'attach-session', '-t', '=ensemble-my_repo_git:=coder']);
    const other = new TmuxTeam({ team: 'other', socketName: sandbox.socketName, tmuxTmpDir: sandbox.tmuxTmpDir, runnerPath });
    await other.ensureSession(signal);
    await expect(attachToMember({ member: 'nobody', socketName: sandbox.socketName, tmuxTmpDir: sandbox.tmuxTmpDir, spawnAttach: async () => 0 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/no tmux window for agent "nobody"; running teams: .*ensemble-my_repo_git \(coder\)/),
    });
    // A real client on a pseudo-terminal (`script`), detached from below once tmux shows it on the window.
    const exitCode = await attachToMember({
      member: 'coder',
      socketName: sandbox.socketName,
      tmuxTmpDir: sandbox.tmuxTmpDir,
      env: { ...process.env, TERM: 'xterm' },
      spawnAttach: (argv, env) =>
        new Promise((resolve, reject) => {
          const client = spawn('script', ['-qfc', argv.map((part) => `'${part}'`).join(' '), '/dev/null'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
          client.on('error', reject);
          client.on('exit', (code) => resolve(code ?? 1));
          void waitUntil(async () => {
            const clients = sandbox.tmux('list-clients', '-F', '#{session_name}:#{window_name}').stdout.trim();
            return clients === '' ? undefined : clients;
          }, 'the attached client').then((clients) => {
            expect(clients).toBe('ensemble-my_repo_git:coder');
            sandbox.tmux('detach-client', '-a');
            sandbox.tmux('detach-client', '-s', '=ensemble-my_repo_git');
          }, reject);
        }),
    });
    expect(exitCode).toBe(0);
  });
});
