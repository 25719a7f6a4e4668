import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent, RunEventOf } from '../src/core/index.js';
import { AgentOrchestrator } from '../src/orchestrator/index.js';
import { makeTempDir } from './helpers/cli.js';
import { MEMORY_HOG_PROGRAM } from './helpers/process-agents.js';

// Runaway `command` agents, each crossing one limit of its front matter, run through the real
// orchestrator: each is killed, its task:error names the limit, and the rest of the run goes on.

const hasProc = existsSync('/proc/self/stat');

const PROGRAMS: Readonly<Record<string, string>> = {
  'hog.mjs': MEMORY_HOG_PROGRAM,
  'spin.mjs': `const deadline = Date.now() + 30000; while (Date.now() < deadline) {}`,
  'sleep.mjs': `setTimeout(() => {}, 30000);`,
  'flood.mjs': `
    const line = 'y'.repeat(1023) + '\\n';
    function write() { while (process.stdout.write(line)) {} process.stdout.once('drain', write); }
    write();
  `,
  'fine.mjs': `process.stdout.write('all good');`,
  // A hog in a session of its own (setsid), which the agent's process group does not hold.
  'setsid-hog.sh': `setsid "${process.execPath}" "$(dirname "$0")/hog.mjs" & wait`,
  // Leaves a grandchild in its own session, records its pid, then hangs until the task times out.
  'setsid-sleeper.sh': `setsid sleep 30 & echo $! > "$(dirname "$0")/escapee.pid"; sleep 30`,
};

let root: string;
let agentsDir: string;

function writeAgent(name: string, program: string, limits: string): void {
  const command = JSON.stringify(program.endsWith('.sh') ? ['sh', join(root, program)] : [process.execPath, join(root, program)]);
  writeFileSync(
    join(agentsDir, `${name}.md`),
    `---\nname: ${name}\ndescription: ${name} test agent\nruntime: command\ncommand: ${command}\nlimits: ${limits}\n---\nTest agent.\n`,
  );
}

beforeAll(() => {
  root = makeTempDir('ensemble-agent-limits-');
  agentsDir = join(root, 'agents');
  mkdirSync(agentsDir);
  for (const [name, source] of Object.entries(PROGRAMS)) writeFileSync(join(root, name), source);
  writeAgent('memory-hog', 'hog.mjs', '{memoryMb: 64, wallTimeMs: 20000}');
  writeAgent('cpu-spinner', 'spin.mjs', '{cpuSeconds: 1, wallTimeMs: 20000}');
  writeAgent('sleeper', 'sleep.mjs', '{wallTimeMs: 400}');
  writeAgent('flooder', 'flood.mjs', '{outputBytes: 10000}');
  writeAgent('steady', 'fine.mjs', '{memoryMb: 1024, cpuSeconds: 30, wallTimeMs: 20000, outputBytes: 100000}');
  writeAgent('setsid-hog', 'setsid-hog.sh', '{memoryMb: 64, wallTimeMs: 20000}');
  writeAgent('setsid-sleeper', 'setsid-sleeper.sh', '{wallTimeMs: 60000}');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('agent limits in a run', () => {
  it.skipIf(!hasProc)('each runaway agent is killed, its task:error names the limit, and the run goes on', async () => {
    const events: RunEvent[] = [];
    const orchestrator = new AgentOrchestrator({ store: false, workspaceDir: root, agentDirs: [agentsDir], maxParallelAgents: 6 });
    orchestrator.on('*', (event) => void events.push(event));
    orchestrator.addTasks([
      // A limit is not a transient failure: no retry even when the task allows them.
      { id: 'hog', agentName: 'memory-hog', retry: { max: 2, backoffMs: 10 } },
      { id: 'spin', agentName: 'cpu-spinner' },
      { id: 'sleep', agentName: 'sleeper', timeoutMs: 60_000 },
      { id: 'flood', agentName: 'flooder' },
      { id: 'steady', agentName: 'steady' },
      { id: 'after-hog', agentName: 'steady', dependencies: ['hog'] },
    ]);
    const startedAt = Date.now();
    const outcome = await orchestrator.execute();
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(outcome.status).toBe('failed');
    const errors = new Map(
      events.filter((event): event is RunEventOf<'task:error'> => event.type === 'task:error').map((event) => [event.taskId, event.error]),
    );
    expect(errors.get('hog')).toMatchObject({ code: 'AGENT_LIMIT_EXCEEDED', retryable: false, details: { limit: 'memory', value: 64 } });
    expect(errors.get('hog')?.message).toMatch(/^agent "memory-hog" exceeded its memory limit of 64 MB \(used \d+ MB\)/);
    expect(errors.get('spin')).toMatchObject({ code: 'AGENT_LIMIT_EXCEEDED', details: { limit: 'cpu', value: 1 } });
    expect(errors.get('spin')?.message).toMatch(/^agent "cpu-spinner" exceeded its CPU time limit of 1 s/);
    expect(errors.get('sleep')).toMatchObject({ code: 'AGENT_LIMIT_EXCEEDED', details: { limit: 'wallTime', value: 400 } });
    expect(errors.get('sleep')?.message).toMatch(/^agent "sleeper" exceeded its wall time limit of 400 ms/);
    expect(errors.get('flood')).toMatchObject({ code: 'AGENT_LIMIT_EXCEEDED', details: { limit: 'output', value: 10_000 } });
    expect(errors.has('steady')).toBe(false);
    expect(events.some((event) => event.type === 'task:retry')).toBe(false);
    expect(events).toContainEqual(expect.objectContaining({ type: 'task:complete', taskId: 'steady', output: 'all good' }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'task:skipped', taskId: 'after-hog', reason: 'dependency-failed', blockedBy: 'hog' }));
  });
});

describe('agent limits and kills reach descendants that left the process group', () => {
  it.skipIf(!hasProc)('regression #6: a `setsid` memory hog is caught by the memory limit, and a `setsid` sleeper dies with its timed-out task', async () => {
    const events: RunEvent[] = [];
    const orchestrator = new AgentOrchestrator({ store: false, workspaceDir: root, agentDirs: [agentsDir], maxParallelAgents: 2 });
    orchestrator.on('*', (event) => void events.push(event));
    orchestrator.addTasks([
      { id: 'hog', agentName: 'setsid-hog' },
      { id: 'sleep', agentName: 'setsid-sleeper', timeoutMs: 1500 },
    ]);
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('failed');
    const errors = new Map(
      events.filter((event): event is RunEventOf<'task:error'> => event.type === 'task:error').map((event) => [event.taskId, event.error]),
    );
    expect(errors.get('hog')).toMatchObject({ code: 'AGENT_LIMIT_EXCEEDED', details: { limit: 'memory', value: 64 } });
    expect(errors.get('sleep')).toMatchObject({ code: 'TASK_TIMEOUT' });
    const escapee = Number(readFileSync(join(root, 'escapee.pid'), 'utf8'));
    expect(isRunning(escapee)).toBe(false);
    // Each attempt's process group is journaled when it starts and once all of it is gone.
    const processes = events.filter((event): event is RunEventOf<'agent:process'> => event.type === 'agent:process');
    expect(processes.map((event) => [event.taskId, event.state]).sort()).toEqual([
      ['hog', 'exited'],
      ['hog', 'started'],
      ['sleep', 'exited'],
      ['sleep', 'started'],
    ]);
  });
});

describe('scratch files of process agents', () => {
  it('regression #6: a run leaves no scratch file behind, and a run sweeps what dead ensemble processes left', async () => {
    const scratchRoot = join(root, 'tmp');
    mkdirSync(scratchRoot);
    // A folder as a `kill -9`ed ensemble leaves it: its owner (pid 2^22, above any pid_max) is not running.
    const abandoned = join(scratchRoot, `ensemble-agents-${createHash('sha256').update(hostname()).digest('hex').slice(0, 8)}-4194305-12345`);
    mkdirSync(join(abandoned, 'attempt-1'), { recursive: true });
    writeFileSync(join(abandoned, 'attempt-1', 'prompt.txt'), 'a prompt with a secret');
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = scratchRoot;
    try {
      const orchestrator = new AgentOrchestrator({ store: false, workspaceDir: root, agentDirs: [agentsDir] });
      orchestrator.addTasks([{ id: 'one', agentName: 'steady', prompt: 'secret prompt' }]);
      expect((await orchestrator.execute()).status).toBe('succeeded');
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    expect(readdirSync(scratchRoot)).toEqual([]);
  });
});

function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
