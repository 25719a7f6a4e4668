import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canCreateAgentCgroups, isProcessGone, readPidFile, waitFor } from '../../../test/helpers/process-agents.js';
import type { ShellRequest } from '../../tools/index.js';
import { ownerFolder } from './agent-scratch-dir.js';
import { buildAgentEnvironment } from './build-agent-environment.js';
import { createShellRunner, readHeadAndTail } from './create-shell-runner.js';
import type { ShellRunnerOptions } from './create-shell-runner.js';
import type { AgentProcessInfo } from './run-agent-process.js';
import { hasProcFileSystem } from './proc-stat.js';

const SECRET_NAME = 'ENSEMBLE_SHELL_TEST_SECRET_TOKEN';
let root: string;
let workspace: string;

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'ensemble-shell-runner-test-')));
  workspace = mkdtempSync(join(root, 'workspace-'));
  process.env[SECRET_NAME] = 'hunter2';
});

afterAll(() => {
  delete process.env[SECRET_NAME];
  rmSync(root, { recursive: true, force: true });
});

function runner(extra: Partial<ShellRunnerOptions> = {}) {
  return createShellRunner({ agentName: 'shell-test', env: buildAgentEnvironment(process.env, undefined, {}), killGraceMs: 300, limitSampleIntervalMs: 50, ...extra });
}

function request(command: string, extra: Partial<ShellRequest> = {}): ShellRequest {
  return { command, cwd: workspace, timeoutMs: 10_000, maxOutputChars: 10_000, signal: new AbortController().signal, ...extra };
}

let fileCounter = 0;
const pidFile = (): string => join(root, `pids-${++fileCounter}`);

describe('createShellRunner', () => {
  it('returns stdout, stderr and the exit code of a command, which runs in the workspace', async () => {
    const result = await runner()(request('pwd; echo problem >&2; exit 3'));
    expect(result).toEqual({ stdout: `${workspace}\n`, stderr: 'problem\n', exitCode: 3, isTimedOut: false, isTruncated: false });
  }, 15_000);

  it('gives the command the allow-listed environment, a process tag of its own per call, and an empty stdin', async () => {
    const run = runner();
    const first = await run(request('env; cat'));
    const second = await run(request('printf %s "$ENSEMBLE_PROCESS_TAG"'));
    expect(first.stdout).toContain(`PATH=${process.env.PATH}`);
    expect(first.stdout).not.toContain(SECRET_NAME);
    expect(first.stdout).not.toContain('hunter2');
    const firstTag = /^ENSEMBLE_PROCESS_TAG=(.+)$/m.exec(first.stdout)?.[1];
    expect(firstTag).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.stdout).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.stdout).not.toBe(firstTag);
  }, 15_000);

  it('does not source the user\'s ~/.bashrc, which bash runs for `bash -c` when stdin is a socket', async () => {
    const home = mkdtempSync(join(root, 'home-'));
    writeFileSync(join(home, '.bashrc'), 'touch "$HOME/sourced"\n');
    const env = { ...buildAgentEnvironment(process.env, undefined, {}), HOME: home };
    const result = await runner({ env })(request('echo "$HOME"'));
    expect(result.stdout).toBe(`${home}\n`);
    expect(existsSync(join(home, 'sourced'))).toBe(false);
  }, 15_000);

  it('hands the model\'s command to bash as one argument: the shell interprets it once, nothing else does', async () => {
    const run = runner();
    const quoted = await run(request(`printf '%s|' '$(touch pwned)' "a 'b'" 'line\nbreak'`));
    expect(quoted.stdout).toBe(`$(touch pwned)|a 'b'|line\nbreak|`);
    expect(existsSync(join(workspace, 'pwned'))).toBe(false);
    // Unquoted, the substitution is the shell's to run: that is what Bash is for.
    const substituted = await run(request('echo $(touch pwned) done'));
    expect(substituted.stdout).toBe('done\n');
    expect(existsSync(join(workspace, 'pwned'))).toBe(true);
    rmSync(join(workspace, 'pwned'));
    // $0 is the shell and the positional parameters are empty, as with a plain `bash -c`.
    const parameters = await run(request('echo "$#" "$(basename "$0")"'));
    expect(parameters.stdout).toBe('0 bash\n');
  }, 15_000);

  it('keeps the start and the end of a long output and marks the cut, letting the command finish', async () => {
    const result = await runner()(request(`head -c 200000 /dev/zero | tr '\\0' a; echo; echo END; exit 4`, { maxOutputChars: 1000 }));
    expect(result.isTruncated).toBe(true);
    expect(result.exitCode).toBe(4);
    expect(result.stdout.startsWith('a'.repeat(500))).toBe(true);
    expect(result.stdout.endsWith('\nEND\n')).toBe(true);
    expect(result.stdout).toMatch(/\[… \d+ bytes cut …\]/);
    expect(result.stdout.length).toBeLessThan(1100);
  }, 15_000);

  it('kills a command whose output passes maxOutputBytes and says so', async () => {
    const started = Date.now();
    const result = await runner({ maxOutputBytes: 2 * 1024 * 1024 })(request('yes', { maxOutputChars: 100 }));
    expect(Date.now() - started).toBeLessThan(8000);
    expect(result.isTruncated).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.stdout.startsWith('y\ny\n')).toBe(true);
    expect(result.stderr).toContain('more than 2097152 bytes of output; its processes were killed');
  }, 15_000);

  const hasProc = hasProcFileSystem();
  describe.each([
    { processTracking: 'proc' as const, isAvailable: hasProc },
    { processTracking: 'auto' as const, isAvailable: canCreateAgentCgroups() },
  ])('with $processTracking tracking', ({ processTracking, isAvailable }) => {
    it.skipIf(!isAvailable)('kills a command that never ends at its timeout, with a background child and a `setsid` grandchild', async () => {
      const events: string[] = [];
      const run = runner({ processTracking, onStarted: () => events.push('started'), onExited: () => events.push('exited') });
      const started = Date.now();
      const result = await run(request('echo before; sleep 300 & echo $!; setsid sleep 300 & echo $!; sleep 300', { timeoutMs: 2000 }));
      expect(Date.now() - started).toBeLessThan(9000);
      expect(result.isTimedOut).toBe(true);
      expect(result.exitCode).toBeNull();
      const [before, ...pids] = result.stdout.trim().split('\n');
      expect(before).toBe('before');
      expect(pids).toHaveLength(2);
      for (const pid of pids) expect(isProcessGone(Number(pid))).toBe(true);
      expect(events).toEqual(['started', 'exited']);
    }, 15_000);

    it.skipIf(!isAvailable)('stops the command and its children when the signal aborts, rejecting with the reason', async () => {
      const file = pidFile();
      const controller = new AbortController();
      const infos: AgentProcessInfo[] = [];
      const running = runner({ processTracking, onStarted: (info) => infos.push(info) })(
        request(`sleep 300 & echo $! > ${file}; setsid sleep 300 & echo $! >> ${file}; echo $$ >> ${file}; wait`, { signal: controller.signal }),
      );
      const pids = await waitFor(() => readPidFile(file, 3));
      expect(pids.every((pid) => !isProcessGone(pid))).toBe(true);
      const reason = new Error('task cancelled');
      controller.abort(reason);
      await expect(running).rejects.toBe(reason);
      for (const pid of pids) expect(isProcessGone(pid)).toBe(true);
      // The shell leads the process group announced.
      expect(infos[0]?.pgid).toBe(pids[2]);
    }, 15_000);
  });

  it('rejects at once when the signal has already aborted', async () => {
    const reason = new Error('already stopped');
    await expect(runner()(request('touch never', { signal: AbortSignal.abort(reason) }))).rejects.toBe(reason);
    expect(existsSync(join(workspace, 'never'))).toBe(false);
  });

  it('caps each command by the agent\'s wall-time limit when it is shorter than the timeout', async () => {
    const result = await runner({ limits: { wallTimeMs: 400 } })(request('sleep 30', { timeoutMs: 60_000 }));
    expect(result.isTimedOut).toBe(true);
  }, 15_000);

  it('leaves no scratch files behind', async () => {
    await runner()(request('echo hi'));
    expect(existsSync(ownerFolder())).toBe(false);
  });
});

describe('readHeadAndTail', () => {
  it('cuts on character boundaries and counts the bytes left out', () => {
    const path = join(root, 'multibyte.txt');
    const text = `${'é'.repeat(50)}${'😀'.repeat(50)}`;
    writeFileSync(path, text);
    const whole = readHeadAndTail(path, 150);
    expect(whole).toEqual({ text, isTruncated: false });
    const cut = readHeadAndTail(path, 20);
    expect(cut.isTruncated).toBe(true);
    expect(cut.text).toBe(`${'é'.repeat(10)}\n[… ${300 - 10 * 2 - 5 * 4} bytes cut …]\n${'😀'.repeat(5)}`);
    expect(cut.text).not.toContain('\uFFFD');
  });

  it('reads a missing file as empty', () => {
    expect(readHeadAndTail(join(root, 'absent'), 10)).toEqual({ text: '', isTruncated: false });
  });
});

describe('the one shell', () => {
  // DESIGN.md, non-negotiables: no prompt, file name or parameter reaches a shell; Bash is the one exception.
  it('is create-shell-runner.ts: nothing else in src passes a string to a shell', () => {
    const srcDir = join(import.meta.dirname, '..', '..');
    const offences: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
          const file = relative(srcDir, path);
          const text = readFileSync(path, 'utf8');
          if (/\bshell\s*:\s*(?:true\b|['"])/.test(text)) offences.push(`${file}: a spawn option \`shell\``);
          if (/import\s*\{[^}]*\b(?:exec|execSync)\b[^}]*\}\s*from\s*['"](?:node:)?child_process['"]/.test(text)) offences.push(`${file}: imports exec/execSync`);
          if (/child_process['"]\)?\s*\.\s*exec(?:Sync)?\s*\(|\bchildProcess\.exec(?:Sync)?\s*\(/.test(text)) offences.push(`${file}: calls exec`);
          if (/['"](?:\/bin\/)?(?:ba)?sh['"]\s*,\s*\[?\s*['"]-c['"]/.test(text) && file !== join('agents', 'process', 'create-shell-runner.ts')) {
            offences.push(`${file}: runs sh -c`);
          }
        }
      }
    };
    walk(srcDir);
    expect(offences).toEqual([]);
  });
});
