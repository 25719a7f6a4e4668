import { createAdaptorServer } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Hono } from 'hono';
import { EnsembleError, toInputIssues, type Clock, type Logger } from '../core/index.js';
import { loadAgentRegistry, simulatedLatencyFromEnv } from '../agents/index.js';
import { loadEnsembleConfig } from '../config/index.js';
import { stderrLogger, systemClock } from '../host/index.js';
import { defaultStorePath, openRunStore, type RunStore } from '../store/index.js';
import { checkBindPolicy } from './auth/index.js';
import { createServerApp } from './create-server-app.js';
import { createRedisConnector, listWorkers, parseRedisUrl, queueCounts } from '../distributed/index.js';
import type { QueueMetricsSource } from './metrics/index.js';
import { loadDashboardAssets } from './dashboard-assets.js';
import { createServerMetrics } from './metrics/index.js';
import { StartRateLimiter } from './rate-limit.js';
import { ServerRuns } from './runs/index.js';
import { DEFAULT_BODY_LIMIT_BYTES } from './schema.js';
import type { ServerContext } from './server-context.js';
import { RunEventFeeds } from './sse/index.js';

/** The serialisable options of {@link createEnsembleServer}, validated. */
export const serverOptionsSchema = z.strictObject({
  /** Address to bind; anything but loopback needs a token. @default 127.0.0.1 */
  host: z.string().min(1).default('127.0.0.1'),
  /** 0 picks a free port. @default 8000 */
  port: z.int().min(0).max(65_535).default(8000),
  /** The API token (at least 16 characters). @default ENSEMBLE_TOKEN */
  token: z.string().optional(),
  /** The journal. @default $ENSEMBLE_HOME/ensemble.db, else ./.ensemble/ensemble.db */
  storePath: z.string().min(1).optional(),
  /** Where the runs it starts work (process agents' cwd, file tools' root, ./agents, ensemble.config.yaml). @default process.cwd() */
  workspaceDir: z.string().min(1).optional(),
  /** Extra agent folders, searched first. */
  agentDirs: z.array(z.string().min(1)).default([]),
  /** Runs one client may start per minute (execute, resume, chat, consultations, meetings); 0 is no limit. @default 60 */
  rateLimitPerMinute: z.int().min(0).max(1_000_000).default(60),
  /** @default 1 MiB */
  bodyLimitBytes: z.int().min(1024).max(512 * 1024 * 1024).default(DEFAULT_BODY_LIMIT_BYTES),
  /** Keep-alive comments on event streams, in ms. @default 15000 */
  heartbeatIntervalMs: z.int().min(10).max(600_000).default(15_000),
  /** How often runs of other processes are read from the journal for their followers, in ms. @default 100 */
  pollIntervalMs: z.int().min(5).max(60_000).default(100),
  /** How long a shutdown waits for interrupted runs to journal their end, in ms. @default 10000 */
  shutdownGraceMs: z.int().min(0).max(600_000).default(10_000),
  /** Simulated agents' latency per task, in ms. @default ENSEMBLE_SIMULATED_LATENCY_MS, else the runtime's own */
  simulatedLatencyMs: z.int().min(0).max(600_000).optional(),
  /** Resume, at start, the runs the last shutdown interrupted. @default true */
  resumeInterrupted: z.boolean().default(true),
  /** `serve --redis`: runs it starts queue their tasks on this Redis for `ensemble worker`s; `/metrics` reports the queue and workers. */
  redis: z.string().min(1).optional(),
  /** Prefix of the queue, keys and channels in Redis. @default 'ensemble' */
  redisPrefix: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
});

export type EnsembleServerOptions = z.input<typeof serverOptionsSchema> & {
  /** Where warnings and request failures go. @default stderr */
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** The environment for ENSEMBLE_TOKEN, provider keys and the simulated latency. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
};

/** A running `ensemble serve`. */
export interface EnsembleServer {
  /** The Hono app (for `app.request()` in tests). */
  readonly app: Hono;
  /** The journal the server reads and the runs it starts write. */
  readonly store: RunStore;
  /** Starts listening, then resumes the runs the last shutdown interrupted. */
  listen(): Promise<{ readonly url: string; readonly resumedRunIds: readonly string[] }>;
  /**
   * Graceful shutdown: stops accepting connections, interrupts running runs (journaled as
   * `interrupted`, resumed on the next start), ends every event stream, closes the journal.
   */
  close(): Promise<void>;
}

/** Builds the server: validates the options (INVALID_CONFIG naming each), refuses a non-loopback bind without a token. */
export function createEnsembleServer(input: EnsembleServerOptions = {}): EnsembleServer {
  const { logger = stderrLogger, clock = systemClock, env = process.env, ...serialisable } = input;
  const parsed = serverOptionsSchema.safeParse(serialisable);
  if (!parsed.success) {
    const issues = toInputIssues(parsed.error, 'server');
    throw new EnsembleError('INVALID_CONFIG', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
  }
  const options = parsed.data;
  const token = options.token ?? (env['ENSEMBLE_TOKEN'] === undefined || env['ENSEMBLE_TOKEN'] === '' ? undefined : env['ENSEMBLE_TOKEN']);
  checkBindPolicy(options.host, token);

  const workspaceDir = resolve(options.workspaceDir ?? process.cwd());
  const agentDirs = options.agentDirs.map((dir) => resolve(workspaceDir, dir));
  // Read once at start: a bad config file or agent folder stops the server before it listens.
  const ensembleConfig = loadEnsembleConfig({ cwd: workspaceDir, env });
  const registry = loadAgentRegistry({ agentDirs, cwd: workspaceDir, onWarning: (message) => logger.warn(message) });
  const storePath = options.storePath ?? defaultStorePath();
  const store = openRunStore(storePath);
  const simulatedLatencyMs = options.simulatedLatencyMs ?? simulatedLatencyFromEnv(env);

  // Asked at scrape time only, by when `runs` exists.
  const redis = options.redis === undefined ? undefined : parseRedisUrl(options.redis, 'server.redis');
  const metrics = createServerMetrics({ store, liveRuns: () => runs.liveStates(), logger, ...(redis === undefined ? {} : { queueSource: queueSourceOf(redis, options.redisPrefix) }) });
  const feeds = new RunEventFeeds({
    store,
    pollIntervalMs: options.pollIntervalMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    onForeignEvent: (event) => metrics.observe(event),
  });
  const runs = new ServerRuns({
    store,
    feeds,
    registry,
    ensembleConfig,
    workspaceDir,
    agentDirs,
    logger,
    ...(simulatedLatencyMs === undefined ? {} : { simulatedLatencyMs }),
    onEvent: (event) => metrics.observe(event),
    ...(redis === undefined ? {} : { redis }),
    ...(options.redisPrefix === undefined ? {} : { redisPrefix: options.redisPrefix }),
  });
  const context: ServerContext = {
    store,
    feeds,
    runs,
    registry,
    metrics,
    rateLimiter: new StartRateLimiter({ perMinute: options.rateLimitPerMinute }, clock),
    clock,
    logger,
    startedAt: clock.now(),
    storePath,
    workspaceDir,
    agentDirs,
  };
  const app = createServerApp(context, { ...(token === undefined ? {} : { token }), bodyLimitBytes: options.bodyLimitBytes, assets: loadDashboardAssets() });

  let httpServer: Server | undefined;
  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    async listen() {
      if (httpServer !== undefined) throw new EnsembleError('INVALID_INPUT', 'the server is already listening');
      const server = createAdaptorServer({ fetch: app.fetch, hostname: options.host, port: options.port }) as Server;
      httpServer = server;
      await new Promise<void>((resolveListen, rejectListen) => {
        server.once('error', (error) => rejectListen(new EnsembleError('INVALID_CONFIG', `cannot listen on ${options.host}:${options.port}: ${error.message}`, { cause: error })));
        server.listen(options.port, options.host, () => resolveListen());
      });
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const resumedRunIds = options.resumeInterrupted ? await runs.resumeInterrupted() : [];
      return { url: `http://${host}:${address.port}`, resumedRunIds };
    },
    close() {
      closing ??= (async () => {
        // Stop accepting first, so no run starts while the running ones are being interrupted.
        const server = httpServer;
        const stopped = server === undefined ? Promise.resolve() : new Promise<void>((resolveClose) => server.close(() => resolveClose()));
        await runs.interruptAll(options.shutdownGraceMs);
        // Every follower has had the runs' end events; now end the streams and drop idle keep-alive sockets.
        feeds.close();
        server?.closeIdleConnections();
        const forced = setTimeout(() => server?.closeAllConnections(), 2_000);
        try {
          await stopped;
        } finally {
          clearTimeout(forced);
          store.close();
        }
      })();
      return closing;
    },
  };
}

/** `/metrics`' view of the task queue of `serve --redis`: jobs by state and live workers, read at scrape time. */
function queueSourceOf(url: string, prefix: string | undefined): QueueMetricsSource {
  // A scrape must not hang on a Redis that is down: these connections give up instead of retrying.
  const location = { connect: createRedisConnector(url, { failFast: true, name: 'ensemble-metrics' }), ...(prefix === undefined ? {} : { prefix }) };
  return {
    queueCounts: async () => ({ ...(await queueCounts(location)) }),
    workers: async () => (await listWorkers(location)).length,
  };
}
