import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentOrchestrator, startEnsembleWorker, type EnsembleWorker } from '../src/orchestrator/index.js';
import { listTemplates, resolveWorkflow } from '../src/workflows/index.js';
import type { RunOutcome } from '../src/core/index.js';
import { inProcessAgents } from '../src/agents/index.js';
import { startTestRedis, type TestRedisServer } from './helpers/redis-server.js';
import { makeGitRepository } from './helpers/git-repository.js';
import { createTempFolder } from './helpers/temp-folder.js';

// Issue 11: every built-in template gives the same task results run locally and run on workers
// through Redis (simulated agents, whose answers are seeded by the task).

const quietLogger = { warn: () => {}, error: () => {} };

describe('the same results in local and distributed mode', () => {
  let redis: TestRedisServer;
  let workers: EnsembleWorker[] = [];
  /** Execution ids the workers started: proof the distributed runs did run on them. */
  const executed: string[] = [];
  const temp = createTempFolder('ensemble-same-results-');

  beforeAll(async () => {
    redis = await startTestRedis();
    // Two workers in this process: they take jobs from the queue as separate workers would.
    for (let index = 0; index < 2; index++) {
      workers.push(
        await startEnsembleWorker({
          url: redis.url,
          concurrency: 4,
          agentDirs: [],
          cwd: temp.folder,
          env: { ENSEMBLE_SIMULATED_LATENCY_MS: '0' },
          logger: quietLogger,
          onJob: (event) => {
            // 'start': told before the agent runs, so before the coordinator can see the result.
            if (event.phase === 'start') executed.push(event.executionId);
          },
        }),
      );
    }
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled(workers.map((worker) => worker.close()));
    workers = [];
    await redis.dispose();
    temp.remove();
  });

  const run = async (templateId: string, mode: 'local' | 'distributed'): Promise<RunOutcome> => {
    const workspace = makeGitRepository(join(temp.folder, `${templateId}-${mode}`), { 'README.md': '# sample\n', 'src/app.js': 'exports.add = (a, b) => a + b;\n' });
    const workflow = resolveWorkflow(templateId, { missingRequired: 'placeholder' });
    const orchestrator = new AgentOrchestrator({
      ...workflow.config,
      workflowName: workflow.name,
      parameters: workflow.parameters,
      workspaceDir: workspace,
      store: join(temp.folder, `${templateId}-${mode}.db`),
      simulatedLatencyMs: 0,
      ensembleConfig: { providers: {}, tiers: {}, costs: {} },
      logger: quietLogger,
      ...(mode === 'distributed' ? { redis: redis.url } : {}),
    });
    orchestrator.addTasks(workflow.tasks);
    return orchestrator.execute();
  };

  for (const template of listTemplates()) {
    it(`${template.id}: each task's status and output match`, async () => {
      const local = await run(template.id, 'local');
      const before = executed.length;
      const distributed = await run(template.id, 'distributed');
      // Every task of a file-defined agent that succeeded ran on a worker, and nothing else did;
      // built-in in-process agents (the swarm's consolidator) are code in the coordinator and stay there.
      const ran = new Set(executed.slice(before).filter((id) => id.startsWith(`${distributed.runId}:`)).map((id) => id.split(':')[1]));
      const fileAgentTasks = distributed.results.filter((result) => !inProcessAgents().has(result.agentName));
      for (const result of fileAgentTasks.filter((task) => task.status === 'succeeded')) expect(ran, result.taskId).toContain(result.taskId);
      for (const taskId of ran) expect(fileAgentTasks.map((task) => task.taskId)).toContain(taskId);
      const view = (outcome: RunOutcome) =>
        Object.fromEntries(outcome.results.map((result) => [result.taskId, { status: result.status, output: result.output, tokens: result.tokensUsed }]));
      expect(distributed.status).toBe(local.status);
      expect(view(distributed)).toEqual(view(local));
      expect(local.results.length).toBeGreaterThan(0);
    }, 60_000);
  }
});
