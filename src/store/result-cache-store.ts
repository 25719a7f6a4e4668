import type Database from 'better-sqlite3';
import { z } from 'zod';
import { AGENT_NAME_PATTERN, EnsembleError, toInputIssues } from '../core/index.js';
import { guardStoreOperation } from './guard-store-operation.js';
import { parseStoredValue } from './parse-stored-json.js';

/** A reusable task output in the journal's `result_cache` table (schema v6). Times are epoch ms. */
export interface ResultCacheEntry {
  /** sha256 (hex) of everything the output depended on; see src/cache. */
  readonly key: string;
  readonly agentName: string;
  /** The model that wrote it (`openai:gpt-4.1`, `simulated:sonnet`). */
  readonly model: string;
  /** The real path of the workspace it was written in: an entry is never served to another one. */
  readonly workspace: string;
  /** The finished task it came from. */
  readonly runId: string;
  readonly taskId: string;
  readonly output: string;
  /** Tokens that task spent on it: what each reuse saves. */
  readonly tokensUsed: number;
  /** Dollars that task spent on it. */
  readonly costUsd: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Times it was reused. */
  readonly hits: number;
  readonly lastHitAt?: number;
}

/** What {@link ResultCacheStore.put} stores: an entry as a finished task leaves it, with how long it lives. */
export type ResultCacheEntryInput = Omit<ResultCacheEntry, 'createdAt' | 'expiresAt' | 'hits' | 'lastHitAt'> & {
  /** How long it may be reused, in ms from `now`. */
  readonly ttlMs: number;
};

/** Options of {@link ResultCacheStore.list} and {@link ResultCacheStore.clear}. */
export interface ResultCacheFilter {
  /** Only this agent's entries. */
  readonly agentName?: string;
}

const CACHE_KEY_PATTERN = /^[0-9a-f]{64}$/;

const entryInputSchema = z.strictObject({
  key: z.string().regex(CACHE_KEY_PATTERN, 'must be 64 hex digits (sha256)'),
  agentName: z.string().regex(AGENT_NAME_PATTERN, 'must be letters, digits, "-" or "_"'),
  model: z.string().min(1),
  workspace: z.string().min(1),
  runId: z.string().min(1),
  taskId: z.string().min(1),
  output: z.string(),
  tokensUsed: z.int().min(0),
  costUsd: z.number().min(0).finite(),
  ttlMs: z.int().positive(),
});

const filterSchema = z.strictObject({ agentName: z.string().regex(AGENT_NAME_PATTERN, 'must be letters, digits, "-" or "_"').optional() });

const rowSchema = z.object({
  cache_key: z.string(),
  agent_name: z.string(),
  model: z.string(),
  workspace: z.string(),
  run_id: z.string(),
  task_id: z.string(),
  output: z.string(),
  tokens_used: z.number(),
  cost_usd: z.number(),
  created_at: z.number(),
  expires_at: z.number(),
  hits: z.number(),
  last_hit_at: z.number().nullable(),
});

const COLUMNS = 'cache_key, agent_name, model, workspace, run_id, task_id, output, tokens_used, cost_usd, created_at, expires_at, hits, last_hit_at';
const SUMMARY_COLUMNS = COLUMNS.replace('output', "'' AS output");

/**
 * The result cache's table in the journal file: outputs of read-only tasks, reused by an identical
 * task (same key, same workspace) until they expire. Expired rows are never served and are purged
 * lazily (on `put`, and when a lookup meets one). Synchronous; `now` is epoch ms, passed in; every
 * row read back is validated. Safe across processes: a write is one statement (an upsert).
 */
export class ResultCacheStore {
  private readonly statements: ReturnType<typeof prepareStatements>;

  constructor(
    database: Database.Database,
    /** The database file, for error messages and for leaving the journal out of a workspace's state. */
    readonly path: string,
  ) {
    this.statements = prepareStatements(database);
  }

  /** The live entry for `key` in `workspace`, or undefined (none, expired, or written in another workspace). */
  lookup(key: string, workspace: string, now: number): ResultCacheEntry | undefined {
    return this.guard('read the result cache', () => {
      const row: unknown = this.statements.select.get(key);
      if (row === undefined) return undefined;
      const entry = toEntry(row);
      if (entry.expiresAt <= now) {
        this.statements.deleteExpiredKey.run(key, now);
        return undefined;
      }
      // The key already holds the workspace; this guards a foreign row against a hash collision or a copied journal.
      return entry.workspace === workspace ? entry : undefined;
    });
  }

  /** Counts one reuse of `key`. */
  recordHit(key: string, now: number): void {
    this.guard('count a result cache hit', () => this.statements.recordHit.run(now, key));
  }

  /**
   * Stores (or replaces: concurrent identical tasks both store, the later wins) an output until
   * `now + ttlMs`, and purges expired entries.
   * @throws EnsembleError `INVALID_INPUT` naming the field.
   */
  put(input: ResultCacheEntryInput, now: number): void {
    const entry = parseInput(entryInputSchema, input, 'entry');
    this.guard('store a result cache entry', () => {
      this.statements.upsert.run(
        entry.key,
        entry.agentName,
        entry.model,
        entry.workspace,
        entry.runId,
        entry.taskId,
        entry.output,
        entry.tokensUsed,
        entry.costUsd,
        now,
        now + entry.ttlMs,
      );
      this.statements.deleteExpired.run(now);
    });
  }

  /** Live entries (outputs left empty: a listing does not need them), newest first. */
  list(filter: ResultCacheFilter, now: number): ResultCacheEntry[] {
    const { agentName } = parseInput(filterSchema, filter, 'filter');
    return this.guard('list the result cache', () => {
      const rows: unknown[] = this.statements.list.all(now, agentName ?? null, agentName ?? null);
      return rows.map((row) => toEntry(row));
    });
  }

  /** Removes entries (one agent's, or all; with `expiredOnly` only those past their TTL) and returns how many. */
  clear(filter: ResultCacheFilter & { readonly expiredOnly?: boolean }, now: number): number {
    const { agentName } = parseInput(filterSchema, { ...(filter.agentName === undefined ? {} : { agentName: filter.agentName }) }, 'filter');
    const expiredBefore = filter.expiredOnly === true ? now : null;
    return this.guard('clear the result cache', () => this.statements.clear.run(agentName ?? null, agentName ?? null, expiredBefore, expiredBefore).changes);
  }

  private guard<T>(action: string, body: () => T): T {
    return guardStoreOperation(this.path, action, body);
  }
}

function prepareStatements(database: Database.Database) {
  return {
    select: database.prepare(`SELECT ${COLUMNS} FROM result_cache WHERE cache_key = ?`),
    // `expires_at <= ?` again: another process may have stored a fresh entry under the key since it was read.
    deleteExpiredKey: database.prepare('DELETE FROM result_cache WHERE cache_key = ? AND expires_at <= ?'),
    deleteExpired: database.prepare('DELETE FROM result_cache WHERE expires_at <= ?'),
    recordHit: database.prepare('UPDATE result_cache SET hits = hits + 1, last_hit_at = ? WHERE cache_key = ?'),
    upsert: database.prepare(
      `INSERT INTO result_cache (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL) ` +
        'ON CONFLICT (cache_key) DO UPDATE SET agent_name = excluded.agent_name, model = excluded.model, workspace = excluded.workspace, ' +
        'run_id = excluded.run_id, task_id = excluded.task_id, output = excluded.output, tokens_used = excluded.tokens_used, cost_usd = excluded.cost_usd, ' +
        'created_at = excluded.created_at, expires_at = excluded.expires_at, hits = 0, last_hit_at = NULL',
    ),
    list: database.prepare(`SELECT ${SUMMARY_COLUMNS} FROM result_cache WHERE expires_at > ? AND (? IS NULL OR agent_name = ?) ORDER BY created_at DESC, cache_key`),
    clear: database.prepare('DELETE FROM result_cache WHERE (? IS NULL OR agent_name = ?) AND (? IS NULL OR expires_at <= ?)'),
  };
}

function toEntry(value: unknown): ResultCacheEntry {
  const row = parseStoredValue(rowSchema, value, { runId: runIdOf(value), field: 'result cache row' });
  return {
    key: row.cache_key,
    agentName: row.agent_name,
    model: row.model,
    workspace: row.workspace,
    runId: row.run_id,
    taskId: row.task_id,
    output: row.output,
    tokensUsed: row.tokens_used,
    costUsd: row.cost_usd,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    hits: row.hits,
    ...(row.last_hit_at === null ? {} : { lastHitAt: row.last_hit_at }),
  };
}

function runIdOf(value: unknown): string {
  return typeof value === 'object' && value !== null && 'run_id' in value && typeof value.run_id === 'string' ? value.run_id : '(result cache)';
}

function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, name: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = toInputIssues(parsed.error, name);
  throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
}
