import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMORY_HOG_PROGRAM, canCreateAgentCgroups, commandAgent, commandInvocation, failureOf, isProcessGone, readPidFile, waitFor } from '../../../test/helpers/process-agents.js';
import type { RecordedDispatch } from '../../../test/helpers/dispatch-context.js';
import { createCommandRuntime } from './command-runtime.js';
import { killLiveProcessGroups } from './live-process-trees.js';
import { hasProcFileSystem, readProcStat } from './proc-stat.js';

// Agents whose descendants leave the agent's process group or session (issue 6, "Process agents"):
// `setsid` and GNU `timeout` used to escape the kill and the limits. Each test runs with /proc
// tracking and, where this machine can create one, with a cgroup per agent.

const hasProc = hasProcFileSystem();
let root: string;

const canUseCgroups = canCreateAgentCgroups();

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ensemble-escape-test-'));
  writeFileSync(join(root, 'hog.cjs'), MEMORY_HOG_PROGRAM);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const sh = (script: string, extra: Parameters<typeof commandAgent>[1] = {}) => commandAgent(['sh', '-c', script], extra);
let fileCounter = 0;
const pidFile = (): string => join(root, `pids-${++fileCounter}`);

describe.each([
  { processTracking: 'proc' as const, isAvailable: hasProc },
  { processTracking: 'auto' as const, isAvailable: canUseCgroups },
])('command runtime: descendants that escape (tracking $processTracking)', ({ processTracking, isAvailable }) => {
  const runtime = createCommandRuntime({ processTracking, killGraceMs: 500, limitSampleIntervalMs: 50 });

  it.skipIf(!isAvailable)('regression #6: cancel kills a `setsid` grandchild in its own session', async () => {
    const file = pidFile();
    const controller = new AbortController();
    const running = runtime.run(commandInvocation(sh(`setsid sleep 30 & echo $! > ${file}; sleep 30`), 'x', root), controller.signal);
    const [escapee] = await waitFor(() => readPidFile(file));
    expect(isProcessGone(escapee!)).toBe(false);
    const reason = new Error('cancelled by test');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    // Settled only once every process is gone.
    expect(isProcessGone(escapee!)).toBe(true);
  });

  it.skipIf(!isAvailable)('regression #6: a timeout kills what runs under GNU `timeout` (its own process group)', async () => {
    const file = pidFile();
    const controller = new AbortController();
    const agent = sh(`timeout 100 sh -c 'echo $$ > ${file}; sleep 30; true'; sleep 30`);
    const running = runtime.run(commandInvocation(agent, 'x', root), AbortSignal.any([controller.signal, AbortSignal.timeout(800)]));
    const [inner] = await waitFor(() => readPidFile(file));
    await expect(running).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(isProcessGone(inner!)).toBe(true);
  });

  it.skipIf(!isAvailable)('regression #6: a `setsid` grandchild left running when the agent exits is killed before the attempt ends', async () => {
    const file = pidFile();
    const outcome = await runtime.run(commandInvocation(sh(`setsid sleep 30 & echo $! > ${file}; echo done`), 'x', root), new AbortController().signal);
    expect(outcome.output).toBe('done\n');
    const [escapee] = readPidFile(file)!;
    expect(isProcessGone(escapee!)).toBe(true);
  });

  it.skipIf(!isAvailable)('regression #6: a `setsid` memory hog is caught by the memory limit', async () => {
    const agent = sh(`setsid ${process.execPath} ${join(root, 'hog.cjs')} & wait`, { limits: { memoryMb: 64, wallTimeMs: 15_000 } });
    const failure = await failureOf(runtime.run(commandInvocation(agent, 'x', root), new AbortController().signal));
    expect(failure.code).toBe('AGENT_LIMIT_EXCEEDED');
    expect(failure.details).toMatchObject({ limit: 'memory', value: 64 });
  });

  it.skipIf(!isAvailable)('announces the process group when it starts and once all of it is gone', async () => {
    const recorded: RecordedDispatch = { outputs: [], usage: [], events: [] };
    const script = `cut -d' ' -f22 /proc/$$/stat; setsid sleep 0.3 & wait`;
    const outcome = await runtime.run(commandInvocation(sh(script), 'x', root, { recorded }), new AbortController().signal);
    const [started, exited, ...rest] = recorded.events;
    expect(rest).toEqual([]);
    expect(started).toMatchObject({ type: 'agent:process', payload: { state: 'started', host: hostname(), startTicks: Number(outcome.output.trim()) } });
    const payload = started!.payload as { pid: number; pgid: number; cgroup?: string };
    expect(payload.pgid).toBe(payload.pid);
    expect(exited).toEqual({ type: 'agent:process', payload: { ...payload, state: 'exited' } });
    expect(payload.cgroup !== undefined).toBe(processTracking === 'auto');
  });

  it.skipIf(!isAvailable)('killLiveProcessGroups kills every running agent and its escaped descendants at once', async () => {
    const files = [pidFile(), pidFile()];
    const runs = files.map((file) =>
      failureOf(runtime.run(commandInvocation(sh(`setsid sleep 30 & echo $$ $! > ${file}; sleep 30`), 'x', root), new AbortController().signal)),
    );
    const pids = await Promise.all(files.map((file) => waitFor(() => readPidFile(file, 2))));
    expect(killLiveProcessGroups()).toBe(2);
    for (const failure of await Promise.all(runs)) {
      expect(failure).toMatchObject({ code: 'AGENT_EXIT_NONZERO', message: 'agent "probe" was killed by signal SIGKILL (nothing on stderr)' });
    }
    for (const pid of pids.flat()) expect(isProcessGone(pid)).toBe(true);
  });
});

describe('command runtime: process start time', () => {
  it.skipIf(!hasProc)('the start ticks of this process match /proc', () => {
    expect(readProcStat(process.pid)?.startTicks).toBeGreaterThan(0);
  });
});
