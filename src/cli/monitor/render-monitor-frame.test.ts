import { describe, expect, it } from 'vitest';
import type { MonitorAgent, MonitorSnapshot } from '../../resources/index.js';
import { createPalette } from '../format.js';
import { displayWidth } from '../terminal/index.js';
import { formatBytes, renderMonitorFrame } from './render-monitor-frame.js';

const plain = createPalette(false);

function agentOf(overrides: Partial<MonitorAgent> = {}): MonitorAgent {
  return {
    runId: 'run-mijk2x9a-3f9c1e',
    workflowName: 'Security audit',
    taskId: 'scan-dependencies-for-known-vulnerabilities',
    agentName: 'payments-backend-security-coder',
    attempt: 1,
    pid: 123456,
    processCount: 3,
    cpuPercent: 97.3,
    cpuSeconds: 12.5,
    rssBytes: 312 * 1024 * 1024,
    startedAt: 1_000,
    elapsedMs: 83_000,
    currentTool: null,
    tokens: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    ...overrides,
  };
}

function snapshotOf(agents: readonly MonitorAgent[]): MonitorSnapshot {
  return {
    takenAt: 90_000,
    host: { name: 'build-box', cpuPercent: 58.25, loadAverage: 1.5, cpuCount: 2, memoryAvailableMb: 2900, memoryTotalMb: 7900 },
    runs: [
      { runId: 'run-mijk2x9a-3f9c1e', workflowName: 'Security audit', maxParallelAgents: 16, processAgentLimit: 9, limitReason: 'cpu-above-target', limitChangedAt: 80_000, ownerHost: 'build-box', ownerAlive: true, agentCount: 2 },
      { runId: 'run-mijk0000-aaaaaa', workflowName: 'Review', maxParallelAgents: 3, processAgentLimit: 3, limitReason: null, limitChangedAt: null, ownerHost: 'build-box', ownerAlive: false, agentCount: 1 },
    ],
    agents,
  };
}

const AGENTS = [
  agentOf(),
  agentOf({ taskId: 'review', agentName: 'code-reviewer', pid: null, processCount: 0, cpuPercent: null, cpuSeconds: null, rssBytes: null, currentTool: { tool: 'Read', input: 'src/payments/checkout-session.ts:1-200', startedAt: 89_000 }, tokens: { inputTokens: 9000, outputTokens: 3345, totalTokens: 12_345 } }),
  agentOf({ runId: 'run-mijk0000-aaaaaa', taskId: 'lint', agentName: 'eslint', pid: 99, cpuPercent: 150, rssBytes: 2 * 1024 ** 3 }),
];

describe('renderMonitorFrame', () => {
  it('at 200 columns shows every column and the whole text, with the host and the limits of each run', () => {
    const lines = renderMonitorFrame(snapshotOf(AGENTS), { columns: 200, palette: plain });
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(199);
    expect(lines[0]).toBe('ensemble monitor · build-box · CPU 58% · load 1.50/2 cores · memory 2.8 GB free of 7.7 GB · 3 agents');
    expect(lines[1]).toBe('process-agent limit: run-mijk2x9a-3f9c1e 9 (cpu-above-target, max 16) · run-mijk0000-aaaaaa 3 (no pressure change, owner gone)');
    expect(lines[2]!.split(/\s+/)).toEqual(['RUN', 'TASK', 'AGENT', 'PID', 'CPU%', 'RSS', 'ELAPSED', 'TOOL', 'TOKENS']);
    expect(lines[3]).toContain('scan-dependencies-for-known-vulnerabilities  payments-backend-security-coder  123456');
    expect(lines[3]).toMatch(/97\.3\s+312M\s+1m23s\s+-\s+0$/);
    expect(lines[4]).toMatch(/review\s+code-reviewer\s+-\s+-\s+-\s+1m23s\s+Read src\/payments\/checkout-session\.ts:1-200\s+12\.3k$/);
    expect(lines[5]).toMatch(/lint\s+eslint\s+99\s+150\s+2\.0G/);
    expect(lines).toHaveLength(6);
  });

  it('at 40 columns cuts the text columns and drops the least useful ones, never wrapping and never dropping the task, pid or CPU', () => {
    const lines = renderMonitorFrame(snapshotOf(AGENTS), { columns: 40, palette: plain });
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(39);
    const header = lines[2]!.split(/\s+/);
    expect(header).toEqual(expect.arrayContaining(['TASK', 'PID', 'CPU%']));
    expect(header).not.toContain('TOOL');
    expect(lines[3]).toMatch(/^scan…?\S*\s+123456\s+97\.3/);
    // The header lines take their compact forms.
    expect(lines[0]).toBe('CPU 58% load 1.50 mem 2.8/7.7G');
    expect(lines[1]).toBe('limit …3f9c1e 9 (cpu-above-target, max…');
  });

  it('at 20 columns still shows the task, cut, and at every width from 10 to 120 no line is too wide', () => {
    for (let columns = 10; columns <= 120; columns++) {
      for (const line of renderMonitorFrame(snapshotOf(AGENTS), { columns, palette: plain })) expect(displayWidth(line), `${columns} columns: ${line}`).toBeLessThanOrEqual(columns - 1);
    }
    expect(renderMonitorFrame(snapshotOf(AGENTS), { columns: 20, palette: plain })[3]).toMatch(/^scan-/);
  });

  it('cuts a run id from its start, where run ids are alike', () => {
    const lines = renderMonitorFrame(snapshotOf([agentOf({ taskId: 't', agentName: 'a', runId: 'run-mijk2x9a-3f9c1e-with-a-long-tail' })]), { columns: 60, palette: plain });
    expect(lines[3]).toMatch(/^…\S*-tail\s/);
  });

  it('says "no agents running" with the host line when nothing runs, and "no running runs" without runs', () => {
    const empty = { ...snapshotOf([]), runs: [] };
    expect(renderMonitorFrame(empty, { columns: 80, palette: plain }).slice(1)).toEqual(['no running runs', 'no agents running']);
  });

  it('keeps to the terminal height, counting the agents that did not fit', () => {
    const many = Array.from({ length: 30 }, (_, index) => agentOf({ taskId: `task-${index}` }));
    const lines = renderMonitorFrame(snapshotOf(many), { columns: 80, rows: 12, palette: plain });
    expect(lines).toHaveLength(11);
    expect(lines.at(-1)).toBe('… 23 more agents (a taller window shows them)');
  });

  it('renders journal text inert: escape sequences in a task id or tool input cannot drive the terminal', () => {
    const hostile = agentOf({ taskId: 'evil\u001b[2J\u001b]0;owned\u0007', currentTool: { tool: 'Bash', input: 'rm -rf /tmp/x\r\u001b[31mred', startedAt: 1 } });
    const text = renderMonitorFrame(snapshotOf([hostile]), { columns: 200, palette: plain }).join('\n');
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(text).not.toContain('\r');
  });

  it('without a width (a pipe) cuts nothing, and uses ASCII separators when the terminal is not UTF-8', () => {
    const lines = renderMonitorFrame(snapshotOf(AGENTS), { palette: plain, unicode: false });
    expect(lines[0]).toContain('build-box | CPU 58%');
    expect(lines[4]).toContain('Read src/payments/checkout-session.ts:1-200');
  });
});

describe('formatBytes', () => {
  it('fits sizes in a few columns', () => {
    expect([0, 900, 2048, 95.3 * 1024 ** 2, 1.25 * 1024 ** 3, 512 * 1024 ** 3].map(formatBytes)).toEqual(['0B', '900B', '2.0K', '95.3M', '1.3G', '512G']);
  });
});
