import { resolve } from 'node:path';
import { createEnsembleServer } from '../../server/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, parseIntegerFlag, type CliContext } from '../cli-context.js';
import { loadEnsembleConfig } from '../../config/index.js';
import { resolveRedisUrl } from './run-shaping-flags.js';

interface ServeFlags {
  readonly host: string;
  readonly port: string;
  readonly token?: string;
  readonly rateLimit: string;
  readonly workspace?: string;
  readonly redis?: string;
}

export function registerServeCommand(program: Command, action: ActionFactory): void {
  program
    .command('serve')
    .description('serve the HTTP API, its event streams and the live dashboard (http://127.0.0.1:8000/ by default)')
    .option('--host <address>', 'address to bind; anything but loopback needs a token', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8000')
    .option('--token <token>', 'API token (at least 16 characters); default ENSEMBLE_TOKEN. Every /api call then needs Authorization: Bearer <token>')
    .option('--rate-limit <n>', 'runs one client may start per minute (0: no limit)', '60')
    .option('--workspace <dir>', 'where the runs it starts work (process agents, file tools, ./agents, ensemble.config.yaml)')
    .option('--redis <url>', 'queue the tasks of the runs it starts on this Redis for `ensemble worker` processes (default ENSEMBLE_REDIS_URL, then the config file\'s `redis`); /metrics then reports the queue and workers')
    .action(action((context, flags: ServeFlags) => serve(context, flags)));
}

/**
 * Serves until SIGINT or SIGTERM, then shuts down gracefully: no new connections, running runs
 * interrupted and journaled (the next `serve` resumes them), event streams ended, exit 0.
 */
async function serve(context: CliContext, flags: ServeFlags): Promise<number> {
  const workspaceDir = resolve(context.cwd, flags.workspace ?? '.');
  const redis = resolveRedisUrl(flags.redis, context.env, loadEnsembleConfig({ cwd: workspaceDir, env: context.env }));
  const server = createEnsembleServer({
    host: flags.host,
    port: parseIntegerFlag('--port', flags.port, 0, 65_535),
    ...(flags.token === undefined ? {} : { token: flags.token }),
    rateLimitPerMinute: parseIntegerFlag('--rate-limit', flags.rateLimit, 0, 1_000_000),
    storePath: context.storePath,
    workspaceDir,
    ...(redis === undefined ? {} : { redis }),
    agentDirs: context.options.agentsDir.map((dir) => resolve(context.cwd, dir)),
    env: context.env,
  });
  const { url, resumedRunIds } = await server.listen();
  // The first line is the contract scripts and tests read the address from.
  context.print(`ensemble serve: listening on ${url}`);
  context.print(`dashboard ${url}/ · API ${url}/api · metrics ${url}/metrics · journal ${context.storePath}`);
  for (const runId of resumedRunIds) context.print(`resumed run ${runId} (interrupted by the last shutdown)`);
  await new Promise<void>((resolveSignal) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      context.stderr.write(`ensemble serve: ${signal} received, shutting down (running runs are interrupted and resumed on the next start)\n`);
      resolveSignal();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await server.close();
  context.print('ensemble serve: stopped');
  return EXIT_OK;
}
