import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { openRunStore } from '../../src/store/index.js';
import { runCachedWorkflow } from './result-cache-run.js';

// One of two processes running the same cached workflow on one journal at once (test/result-cache.test.ts):
// it opens the journal, says it is ready, waits for the go file (so both start together), runs the
// 2-reviewer workflow with `cache: {ttl: 1h}` and prints {"status", "runId"}.

const env = (name: string): string => process.env[name] ?? '';
const folder = env('RACE_FOLDER');
const store = openRunStore(env('RACE_DB'));
writeFileSync(join(folder, `ready-${env('RACE_NAME')}`), '');
for (let waits = 0; !existsSync(join(folder, 'go')) && waits < 600; waits++) await delay(50);
try {
  const result = await runCachedWorkflow({
    store,
    workspace: env('RACE_WORKSPACE'),
    agentsDir: env('RACE_AGENTS'),
    homeDir: env('RACE_HOME'),
    cache: { ttl: 3_600_000 },
    tasks: [
      { id: 'style', agentName: 'style-reviewer', prompt: 'Review the code style of src/' },
      { id: 'security', agentName: 'security-reviewer', prompt: 'Review src/ for security problems' },
      { id: 'summary', agentName: 'consolidator', prompt: 'Consolidate the reviews', dependencies: ['style', 'security'] },
    ],
  });
  for (const warning of result.warnings) process.stderr.write(`${warning}\n`);
  process.stdout.write(`${JSON.stringify({ status: result.outcome.status, runId: result.outcome.runId })}\n`);
} finally {
  store.close();
}
