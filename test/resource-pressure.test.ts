import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent, RunEventOf } from '../src/core/index.js';
import { AgentOrchestrator } from '../src/orchestrator/index.js';
import { createHostSampler } from '../src/resources/index.js';
import { openRunStore } from '../src/store/index.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';

// Issue 13, deliverables 1 and 2, end to end: a real run of `command` agents that burn CPU, with host
// pressure control on (the suite's environment turns it off), read back from the journal.

const PROGRAMS: Readonly<Record<string, string>> = {
  // Keeps one core busy for 2 s.
  'burn.mjs': `const end = Date.now() + 2000; let spins = 0; while (Date.now() < end) spins++; process.stdout.write('burnt ' + (spins > 0));`,
  'nap.mjs': `setTimeout(() => process.stdout.write('rested'), 1500);`,
  'doze.mjs': `setTimeout(() => process.stdout.write('dozed'), 600);`,
};

let temp: TempFolder;
let agentsDir: string;

beforeAll(() => {
  temp = createTempFolder('ensemble-pressure-');
  agentsDir = join(temp.folder, 'agents');
  mkdirSync(agentsDir);
  for (const [name, source] of Object.entries(PROGRAMS)) {
    writeFileSync(join(temp.folder, name), source);
    const agentName = `pressure-${name.replace('.mjs', '')}`;
    const command = JSON.stringify([process.execPath, join(temp.folder, name)]);
    writeFileSync(join(agentsDir, `${agentName}.md`), `---\nname: ${agentName}\ndescription: ${agentName} test agent\nruntime: command\ncommand: ${command}\n---\nTest agent.\n`);
  }
});

afterAll(() => temp.remove());

/** Runs `count` tasks of `agentName` with the run config given, journaled in its own store; returns the journal's events. */
async function runJournaled(name: string, agentName: string, count: number, config: Record<string, unknown>): Promise<{ readonly status: string; readonly events: readonly RunEvent[] }> {
  const storePath = join(temp.folder, `${name}.db`);
  const orchestrator = new AgentOrchestrator({ store: storePath, workspaceDir: temp.folder, agentDirs: [agentsDir], pressureSampleIntervalMs: 300, ...config });
  orchestrator.addTasks(Array.from({ length: count }, (_, index) => ({ id: `${name}-${index}`, agentName, prompt: 'go' })));
  const outcome = await orchestrator.execute();
  const store = openRunStore(storePath);
  try {
    return { status: outcome.status, events: store.readEvents(outcome.runId) };
  } finally {
    store.close();
  }
}

const ENDS = new Set(['task:complete', 'task:error', 'task:retry', 'task:cancelled']);

/** The most tasks running at once, from the journal's task:start and their ends. */
function maxConcurrency(events: readonly RunEvent[]): number {
  let running = 0;
  let most = 0;
  for (const event of events) {
    if (event.type === 'task:start') most = Math.max(most, ++running);
    else if (ENDS.has(event.type)) running--;
  }
  return most;
}

describe('host pressure drives the process-agent limit', () => {
  // Eight burning agents must load the host past 60 %: true up to 12 cores.
  it.skipIf(availableParallelism() > 12)('holds back starts while CPU-burning agents load the host, and still runs every task', async () => {
    const { status, events } = await runJournaled('burn', 'pressure-burn', 8, { maxParallelAgents: 8, resources: { pressureControl: true } });
    expect(status).toBe('succeeded');
    expect(events.filter((event) => event.type === 'task:complete')).toHaveLength(8);
    const decisions = events.filter((event): event is RunEventOf<'resources:pressure'> => event.type === 'resources:pressure');
    const firstDecrease = decisions.find((decision) => decision.cpuPercent > 60 && decision.limit < decision.previousLimit);
    expect(firstDecrease, `no decrease among ${JSON.stringify(decisions)}`).toBeDefined();
    expect(firstDecrease).toMatchObject({ reason: 'cpu-above-target' });
    // From the first decrease on, no start takes the count of running agents past the limit then in force.
    let running = 0;
    let limit: number | undefined;
    const breaches: string[] = [];
    for (const event of events) {
      if (event.type === 'resources:pressure' && event.seq >= (firstDecrease?.seq ?? Number.POSITIVE_INFINITY)) limit = event.limit;
      if (event.type === 'task:start') {
        running++;
        if (limit !== undefined && running > limit) breaches.push(`${event.taskId} started as agent ${running} under a limit of ${limit} (seq ${event.seq})`);
      } else if (ENDS.has(event.type)) {
        running--;
      }
    }
    expect(breaches).toEqual([]);
    // Something was held back: never all eight at once.
    expect(maxConcurrency(events)).toBeLessThan(8);
  }, 90_000);

  it('starts all of them at once with pressure control off', async () => {
    const { status, events } = await runJournaled('free', 'pressure-nap', 8, { maxParallelAgents: 8, resources: { pressureControl: false } });
    expect(status).toBe('succeeded');
    expect(maxConcurrency(events)).toBe(8);
    expect(events.some((event) => event.type === 'resources:pressure' || event.type === 'run:warning')).toBe(false);
  }, 60_000);

  it('warns when memory above the floor holds fewer agents than the run asks for, and runs no more than fit', async () => {
    // Room for one agent of 2 GB above the floor, with 600 MB to spare either way for the host's own moves.
    // A CPU target of 100 % never shrinks the limit, and lets it grow below 80 %: only memory holds the agents.
    const availableMb = createHostSampler().sample().memoryAvailableMb;
    const resources = { pressureControl: true, cpuTarget: 100, agentMemoryMb: 2048, memoryFloorMb: Math.max(0, availableMb - 2048 - 600) };
    const { status, events } = await runJournaled('memory', 'pressure-doze', 4, { maxParallelAgents: 4, resources });
    expect(status).toBe('succeeded');
    const warnings = events.filter((event): event is RunEventOf<'run:warning'> => event.type === 'run:warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'RESOURCES_LIMITED' });
    expect(warnings[0]?.message).toMatch(/^concurrency 4 asks for up to 4 process agents of 2\.0 GB each; .* so they run one at a time$/);
    expect(maxConcurrency(events)).toBe(1);
  }, 60_000);
});
