import { resolve } from 'node:path';
import { loadEnsembleConfig } from '../../config/index.js';
import { startEnsembleWorker } from '../../orchestrator/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_INVALID_INPUT, EXIT_OK, parseIntegerFlag, type CliContext } from '../cli-context.js';
import { resolveRedisUrl } from './run-shaping-flags.js';
import { EnsembleError } from '../../core/index.js';

interface WorkerFlags {
  readonly redis?: string;
  readonly concurrency: string;
  readonly workspace?: string;
  readonly prefix?: string;
  readonly lockMs: string;
}

export function registerWorkerCommand(program: Command, action: ActionFactory): void {
  program
    .command('worker')
    .description('execute the tasks of distributed runs (started with --redis) from the BullMQ queue on Redis, until SIGINT or SIGTERM')
    .option('--redis <url>', 'Redis of the queue (redis://host:6379); default ENSEMBLE_REDIS_URL, then the config file\'s `redis`')
    .option('-c, --concurrency <n>', 'tasks this worker runs at once (1-1000)', '4')
    .option('--workspace <dir>', "run every task here instead of the coordinator's workspace path (a checkout of the same tree on this machine)")
    .option('--lock-ms <ms>', "how long a task's lock lasts unrenewed: a killed worker's tasks go to another worker within about twice this (1000-600000)", '10000')
    .option('--prefix <prefix>', 'prefix of the queue, keys and channels in Redis; must match the coordinator\'s (default: ensemble)')
    .action(action((context, flags: WorkerFlags) => runWorker(context, flags)));
}

/**
 * Runs until SIGINT or SIGTERM, printing a line per task it starts and ends (NDJSON with --json);
 * on a signal it stops taking tasks, lets running ones finish for a grace period, then cancels them
 * (their jobs go back to the queue for another worker).
 */
async function runWorker(context: CliContext, flags: WorkerFlags): Promise<number> {
  const ensembleConfig = loadEnsembleConfig({ cwd: context.cwd, env: context.env });
  const redis = resolveRedisUrl(flags.redis, context.env, ensembleConfig);
  if (redis === undefined) {
    context.stderr.write('error [INVALID_INPUT]: --redis: a worker needs the Redis of the queue (or ENSEMBLE_REDIS_URL)\n');
    return EXIT_INVALID_INPUT;
  }
  if (flags.prefix !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(flags.prefix)) {
    throw new EnsembleError('INVALID_INPUT', `--prefix: expected 1-64 letters, digits, ".", "-" or "_", got "${flags.prefix}"`);
  }
  const worker = await startEnsembleWorker({
    url: redis,
    ...(flags.prefix === undefined ? {} : { prefix: flags.prefix }),
    concurrency: parseIntegerFlag('--concurrency', flags.concurrency, 1, 1000),
    lockDurationMs: parseIntegerFlag('--lock-ms', flags.lockMs, 1000, 600_000),
    agentDirs: context.options.agentsDir.map((dir) => resolve(context.cwd, dir)),
    ...(flags.workspace === undefined ? {} : { workspaceDir: resolve(context.cwd, flags.workspace) }),
    cwd: context.cwd,
    env: context.env,
    logger: {
      warn: (message) => context.stderr.write(`ensemble worker: ${message}\n`),
      error: (message, cause) => context.stderr.write(`ensemble worker: ${message}${cause instanceof Error ? `: ${cause.message}` : ''}\n`),
    },
    onJob: (event) => {
      if (context.options.json) context.stdout.write(`${JSON.stringify({ type: `job:${event.phase}`, ...event })}\n`);
      else context.print(`${event.phase === 'start' ? 'start' : 'end  '} ${event.executionId}${event.phase === 'end' ? ` ${event.status}` : ''}`);
    },
  });
  // The first line is the contract scripts and tests wait for.
  if (!context.options.json) context.print(`ensemble worker ${worker.id}: ready (${worker.concurrency} at once) on ${worker.redis}`);
  else context.stdout.write(`${JSON.stringify({ type: 'worker:ready', id: worker.id, concurrency: worker.concurrency, redis: worker.redis })}\n`);
  await new Promise<void>((resolveSignal) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      context.stderr.write(`ensemble worker: ${signal} received, finishing running tasks\n`);
      resolveSignal();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await worker.close();
  if (!context.options.json) context.print('ensemble worker: stopped');
  return EXIT_OK;
}
