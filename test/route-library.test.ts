import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentOrchestrator } from '../src/orchestrator/index.js';
import { routeTask, toRoutedWorkflow } from '../src/workflows/index.js';

// Issue 8, item 4, "from the library": a routed plan runs on an orchestrator like any workflow.

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'ensemble-route-library-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Resolves when `count` callers have arrived; rejects after `timeoutMs` so a missing one fails the task instead of hanging. */
function createBarrier(count: number, timeoutMs: number): () => Promise<void> {
  let arrived = 0;
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return async () => {
    arrived++;
    if (arrived === count) open();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([opened, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${arrived} of ${count} arrived`)), timeoutMs)))]);
    } finally {
      clearTimeout(timer);
    }
  };
}

describe('routeTask from the library', () => {
  it('runs a hybrid plan: the agents of a phase side by side, each phase after the whole phase before', async () => {
    const plan = routeTask({
      type: 'hybrid',
      description: 'Build the invoice export',
      phases: [
        { name: 'plan', agents: ['planner'] },
        { name: 'build', agents: ['builder-a', 'builder-b'] },
        { name: 'check', agents: ['checker'] },
      ],
    });
    const workflow = toRoutedWorkflow(plan);
    const orchestrator = new AgentOrchestrator({ ...workflow.config, store: join(folder, 'journal.db'), workspaceDir: folder, workflowName: workflow.name, parameters: workflow.parameters });
    const log: string[] = [];
    const prompts: string[] = [];
    // Both builders must be running at once to get past this: a sequential run would time out here.
    const bothBuilding = createBarrier(2, 10_000);
    const builder = (name: string) => ({
      name,
      run: async (task: { id: string; prompt: string }, context: { inputs: readonly { taskId: string }[] }) => {
        log.push(`start ${task.id} after ${context.inputs.map((input) => input.taskId).join(',')}`);
        prompts.push(task.prompt);
        await bothBuilding();
        return `${name} built`;
      },
    });
    orchestrator.registerAgent({ name: 'planner', run: (task) => (log.push(`start ${task.id}`), 'the plan') });
    orchestrator.registerAgent(builder('builder-a'));
    orchestrator.registerAgent(builder('builder-b'));
    orchestrator.registerAgent({ name: 'checker', run: (task, context) => (log.push(`start ${task.id} after ${context.inputs.map((input) => input.taskId).join(',')}`), 'checked') });
    orchestrator.addTasks(workflow.tasks);

    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    expect(log[0]).toBe('start plan-planner');
    expect(log.slice(1, 3).sort()).toEqual(['start build-builder-a after plan-planner', 'start build-builder-b after plan-planner']);
    expect(log[3]).toBe('start check-checker after build-builder-a,build-builder-b');
    for (const prompt of prompts) expect(prompt).toContain('This is phase 2 of 3 ("build"; phases: plan → build → check)');
  });
});
