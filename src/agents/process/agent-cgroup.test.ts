import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canCreateAgentCgroups } from '../../../test/helpers/process-agents.js';
import { findOwnCgroupDir, readCgroupCpuSeconds, readCgroupMemoryBytes, sweepAbandonedCgroups } from './agent-cgroup.js';
import { readProcStat } from './proc-stat.js';

describe('agent cgroup accounting', () => {
  it('reads CPU from cpu.stat and memory without page cache from memory.current and memory.stat', () => {
    const path = mkdtempSync(join(tmpdir(), 'ensemble-cgroup-files-'));
    try {
      writeFileSync(join(path, 'cpu.stat'), 'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n');
      // No memory controller (a hybrid host): no memory figure, the caller sums RSS instead.
      expect(readCgroupMemoryBytes({ path })).toBeUndefined();
      writeFileSync(join(path, 'memory.current'), '104857600\n');
      writeFileSync(join(path, 'memory.stat'), 'anon 80000000\nfile 20971520\nkernel 3000000\nfile_mapped 1000\n');
      expect(readCgroupCpuSeconds({ path })).toBe(2.5);
      expect(readCgroupMemoryBytes({ path })).toBe(104_857_600 - 20_971_520);
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });
});

describe('abandoned agent cgroups', () => {
  it.skipIf(!canCreateAgentCgroups())('are removed when their owner died and they are empty; a live owner\'s stay', () => {
    const own = findOwnCgroupDir()!;
    const ended = spawnSync(process.execPath, ['-e', "process.stdout.write(require('fs').readFileSync('/proc/self/stat', 'latin1'))"], { encoding: 'utf8' });
    const fields = ended.stdout.replace(/\(.*\)/, 'x').split(' ');
    const dead = join(own, `ensemble-${fields[0]}-${fields[21]}`);
    const live = join(own, `ensemble-${process.ppid}-${readProcStat(process.ppid)!.startTicks}`);
    for (const folder of [dead, live]) mkdirSync(join(folder, 'agent-1'), { recursive: true });
    try {
      sweepAbandonedCgroups();
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(join(live, 'agent-1'))).toBe(true);
    } finally {
      for (const folder of [join(live, 'agent-1'), live, join(dead, 'agent-1'), dead]) {
        if (existsSync(folder)) rmdirSync(folder);
      }
    }
  });
});
