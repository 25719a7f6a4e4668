import { startDistributedTestWorker, distributedAgent } from './distributed-dispatch.js';

// A task worker in a child process (distributed-stalled-recovery.test.ts), killed with SIGKILL
// mid-job. Its one agent appends a line to SIDE_EFFECT_FILE and then sleeps, so it is still
// running (its process group left behind) when the worker dies. Prints "ready" once it listens.

const url = process.env['WORKER_REDIS_URL'] ?? '';
const prefix = process.env['WORKER_PREFIX'] ?? '';
const command = JSON.parse(process.env['WORKER_AGENT_COMMAND'] ?? '[]') as string[];
await startDistributedTestWorker(url, prefix, [distributedAgent('effects', { runtime: 'command', command })], {
  concurrency: 1,
  lockDurationMs: 1_000,
  stalledIntervalMs: 500,
});
process.stdout.write('ready\n');
