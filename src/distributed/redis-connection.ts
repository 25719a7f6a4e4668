import { Redis } from 'ioredis';
import { EnsembleError, type Logger } from '../core/index.js';

/** Opens a new connection to the run's Redis: blocking reads and subscriptions need their own. */
export type RedisConnector = () => Redis;

/** Default prefix of every key, queue and channel ensemble keeps in Redis. */
export const DEFAULT_REDIS_PREFIX = 'ensemble';

/**
 * Checks a Redis URL (`redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS) and
 * returns it; INVALID_INPUT naming where it came from (`--redis`, `ENSEMBLE_REDIS_URL`, the config
 * file's `redis`) otherwise.
 */
export function parseRedisUrl(value: string, source: string): string {
  const trimmed = value.trim();
  let url: URL | undefined;
  try {
    url = new URL(trimmed);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    throw new EnsembleError('INVALID_INPUT', `${source}: expected a Redis URL such as redis://127.0.0.1:6379, got "${withoutCredentials(trimmed)}"`, {
      details: { source },
    });
  }
  const database = url.pathname.replace(/^\//, '');
  if (database !== '' && !/^\d{1,2}$/.test(database)) {
    throw new EnsembleError('INVALID_INPUT', `${source}: the database in "${withoutCredentials(trimmed)}" must be a number (redis://host:6379/0)`, { details: { source } });
  }
  return trimmed;
}

/** The URL without user and password: what the journal keeps and messages show. */
export function withoutCredentials(value: string): string {
  try {
    const url = new URL(value);
    if (url.username === '' && url.password === '') return value;
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return value.replace(/\/\/[^@/]*@/, '//');
  }
}

/**
 * A connector to `url`. Connections retry for ever with a capped backoff and queue commands while
 * Redis restarts (BullMQ requires `maxRetriesPerRequest: null` for its blocking connections); each
 * distinct connection error is logged once until the connection is ready again.
 */
export function createRedisConnector(
  url: string,
  options: {
    readonly logger?: Logger;
    readonly name?: string;
    /** For short reads (a metrics scrape): a command fails after one retry instead of waiting for Redis to come back. @default false */
    readonly failFast?: boolean;
  } = {},
): RedisConnector {
  return () => {
    const client = new Redis(url, {
      connectionName: options.name ?? 'ensemble',
      ...(options.failFast === true
        ? { maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: (times: number) => (times > 2 ? null : 100) }
        : // Capped at 1 s: a restarted Redis is found again within a second.
          { maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(50 * times, 1_000) }),
    });
    let lastMessage: string | undefined;
    client.on('error', (error: Error) => {
      if (error.message === lastMessage) return;
      lastMessage = error.message;
      options.logger?.warn(`redis ${withoutCredentials(url)}: ${error.message}`);
    });
    client.on('ready', () => (lastMessage = undefined));
    return client;
  };
}

/**
 * Resolves once Redis at `url` answers PING; REDIS_UNAVAILABLE naming the URL (without its password)
 * after `timeoutMs`. Called before a distributed run starts, so a wrong URL fails at once instead
 * of queueing commands for ever.
 */
export async function checkRedisReachable(url: string, options: { readonly timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: timeoutMs, retryStrategy: () => null });
  let lastError: string | undefined;
  client.on('error', (error: Error) => (lastError = error.message));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const message = lastError ?? (error instanceof Error ? error.message : String(error));
    throw new EnsembleError('REDIS_UNAVAILABLE', `Redis at ${withoutCredentials(url)} does not answer (${message}); start it or pass another --redis URL`, {
      details: { url: withoutCredentials(url) },
      cause: error,
    });
  } finally {
    client.disconnect();
  }
}
