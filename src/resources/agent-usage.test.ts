import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempFolder, type TempFolder } from '../../test/helpers/temp-folder.js';
import { waitUntil } from '../../test/helpers/wait-until.js';
import { AgentUsageMeter, readAgentUsage, readCgroupUsage, type AgentProcessGroupRef } from './agent-usage.js';
import { parseProcStat, readProcessTable } from '../agents/index.js';

const hasProc = readProcessTable().length > 0;

/** Start time of `pid` in clock ticks (field 22 of /proc/PID/stat). */
function startTicksOf(pid: number): number {
  const entry = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  if (entry === undefined) throw new Error(`no stat for ${pid}`);
  return entry.startTicks;
}

// Burns CPU in its own process group and starts a second burner that leaves for a group of its own (as `setsid` tools do).
const BURNER = String.raw`
const { spawn } = require('node:child_process');
const escaped = spawn(process.execPath, ['-e', 'const end = Date.now() + 60000; while (Date.now() < end) {}'], { detached: true, stdio: 'ignore' });
process.stdout.write(String(escaped.pid) + '\n');
const end = Date.now() + 60000;
const hold = Buffer.alloc(32 * 1024 * 1024, 1);
while (Date.now() < end) { hold[0]++; }
`;

describe('readAgentUsage and AgentUsageMeter on real processes', () => {
  const children: ChildProcess[] = [];
  const extraPids: number[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const pid of extraPids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });

  /** A burner agent as the process runtime starts one: detached, so it leads its own group. */
  async function startBurner(): Promise<{ group: AgentProcessGroupRef; escapedPid: number; child: ChildProcess }> {
    const child = spawn(process.execPath, ['-e', BURNER], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    const escapedPid = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      child.once('exit', () => reject(new Error('the burner exited early')));
    });
    extraPids.push(escapedPid);
    const pid = child.pid!;
    return { group: { pid, pgid: pid, startTicks: startTicksOf(pid) }, escapedPid, child };
  }

  it.skipIf(!hasProc)('shows CPU seconds rising, a CPU rate and RSS for a busy agent, counting a child that left its group', async () => {
    const { group } = await startBurner();
    const meter = new AgentUsageMeter();
    const first = await waitUntil(() => {
      const [usage] = meter.measure([group], Date.now());
      return usage !== undefined && usage.processCount >= 2 && usage;
    }, 'the burner and its escaped child to be read');
    expect(first.source).toBe('process-tree');
    expect(first.cpuPercent).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 700));
    const [second] = meter.measure([group], Date.now());
    expect(second).toBeDefined();
    expect(second!.cpuSeconds).toBeGreaterThan(first.cpuSeconds!);
    // Two busy loops share two cores with the rest of the suite: well above idle, whatever the load.
    expect(second!.cpuPercent).toBeGreaterThan(10);
    expect(second!.processCount).toBe(2);
    // The burner holds a 32 MB buffer it keeps touching.
    expect(second!.rssBytes).toBeGreaterThan(32 * 1024 * 1024);
  });

  it.skipIf(!hasProc)('drops an agent whose processes are gone, and one whose pid now names a process that started at another time', async () => {
    const { group, escapedPid, child } = await startBurner();
    const [reused] = readAgentUsage([{ ...group, startTicks: group.startTicks! - 1 }]);
    expect(reused).toBeUndefined();
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    process.kill(escapedPid, 'SIGKILL');
    const gone = await waitUntil(() => {
      const [usage] = readAgentUsage([group]);
      return usage === undefined && 'gone';
    }, 'the burner to be read as gone');
    expect(gone).toBe('gone');
    // A pid that never existed.
    expect(readAgentUsage([{ pid: 2 ** 22 + 7, pgid: 2 ** 22 + 7, startTicks: 1 }])).toEqual([undefined]);
  });

  it.skipIf(!hasProc)('forgets agents that left its latest reading, so a rate is never taken across a gap', async () => {
    const { group } = await startBurner();
    const meter = new AgentUsageMeter();
    await waitUntil(() => meter.measure([group], Date.now())[0] !== undefined, 'a first reading');
    meter.measure([], Date.now());
    const [again] = meter.measure([group], Date.now());
    expect(again?.cpuPercent).toBeUndefined();
  });
});

describe('readCgroupUsage', () => {
  let temp: TempFolder;
  beforeEach(() => {
    temp = createTempFolder('ensemble-agent-usage-');
  });
  afterEach(() => temp.remove());

  it('reads CPU from cpu.stat, memory less page cache, and the live processes of a cgroup v2 folder', () => {
    writeFileSync(join(temp.folder, 'cpu.stat'), 'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n');
    writeFileSync(join(temp.folder, 'memory.current'), '104857600\n');
    writeFileSync(join(temp.folder, 'memory.stat'), 'anon 50000000\nfile 4857600\nkernel 100\n');
    writeFileSync(join(temp.folder, 'cgroup.procs'), '101\n102\n');
    expect(readCgroupUsage(temp.folder)).toEqual({ cpuSeconds: 2.5, rssBytes: 100_000_000, processCount: 2, source: 'cgroup' });
  });

  it('has no memory figure without the memory controller, and nothing for a removed cgroup', () => {
    writeFileSync(join(temp.folder, 'cpu.stat'), 'usage_usec 10\n');
    writeFileSync(join(temp.folder, 'cgroup.procs'), '');
    expect(readCgroupUsage(temp.folder)).toEqual({ cpuSeconds: 0.00001, rssBytes: undefined, processCount: 0, source: 'cgroup' });
    expect(readCgroupUsage(join(temp.folder, 'gone'))).toBeUndefined();
  });

  it.skipIf(!hasProc)("prefers the cgroup's counters for a live agent, and drops the agent once neither its group nor its cgroup has a process", () => {
    writeFileSync(join(temp.folder, 'cpu.stat'), 'usage_usec 7000000\n');
    writeFileSync(join(temp.folder, 'memory.current'), '2048\n');
    writeFileSync(join(temp.folder, 'memory.stat'), 'anon 2048\nfile 0\n');
    writeFileSync(join(temp.folder, 'cgroup.procs'), `${process.pid}\n`);
    const self = { pid: process.pid, pgid: readProcessTable().find((entry) => entry.pid === process.pid)!.processGroupId, startTicks: startTicksOf(process.pid), cgroup: temp.folder };
    expect(readAgentUsage([self])[0]).toEqual({ cpuSeconds: 7, rssBytes: 2048, processCount: 1, source: 'cgroup' });
    writeFileSync(join(temp.folder, 'cgroup.procs'), '');
    const gone = { pid: 2 ** 22 + 9, pgid: 2 ** 22 + 9, startTicks: 1, cgroup: temp.folder };
    expect(readAgentUsage([gone])).toEqual([undefined]);
  });
});

describe('readAgentUsage without /proc', () => {
  it('knows only whether the leader lives: no figures for a live one, nothing for a dead one, and no CPU rate', () => {
    const live = { pid: process.pid, pgid: process.pid };
    const dead = { pid: 2 ** 22 + 11, pgid: 2 ** 22 + 11 };
    expect(readAgentUsage([live, dead], [])).toEqual([{ cpuSeconds: undefined, rssBytes: undefined, processCount: 1, source: 'unmeasured' }, undefined]);
    const meter = new AgentUsageMeter();
    meter.measure([live], 1_000, []);
    expect(meter.measure([live], 2_000, [])[0]?.cpuPercent).toBeUndefined();
  });
});

