import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hasProcFileSystem, isProcessRunning, parseProcStat, readProcessTable, readProcStat } from './proc-stat.js';

// A real line from /proc/PID/stat, with a command name holding spaces and a parenthesis.
const STAT_LINE =
  '4242 (node (worker) x) S 4200 4242 4100 0 -1 4194304 18000 0 0 0 150 25 7 3 20 0 11 0 123456 1200000000 20480 18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 3 0 0 0 0 0\n';

describe('/proc stat', () => {
  it('reads the ids, start time, CPU ticks and resident pages from a stat line', () => {
    expect(parseProcStat(STAT_LINE)).toEqual({
      pid: 4242,
      parentPid: 4200,
      processGroupId: 4242,
      sessionId: 4100,
      startTicks: 123456,
      cpuTicks: 150 + 25 + 7 + 3,
      rssPages: 20480,
      isZombie: false,
    });
    expect(parseProcStat(STAT_LINE.replace(') S ', ') Z '))?.isZombie).toBe(true);
    expect(parseProcStat('garbage')).toBeUndefined();
  });

  it.skipIf(!hasProcFileSystem())('tells a running process from an ended one and from a reused pid', () => {
    const self = readProcStat(process.pid)!;
    expect(self.parentPid).toBe(process.ppid);
    expect(isProcessRunning(process.pid, self.startTicks)).toBe(true);
    expect(isProcessRunning(process.pid, self.startTicks + 1)).toBe(false);
    const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    expect(isProcessRunning(Number(ended.stdout), undefined)).toBe(false);
    expect(readProcessTable().some((entry) => entry.pid === process.pid)).toBe(true);
  });
});
