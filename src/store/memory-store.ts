import type Database from 'better-sqlite3';
import { guardStoreOperation } from './guard-store-operation.js';
import type { z } from 'zod';
import { EnsembleError, toInputIssues } from '../core/index.js';
import { estimateTokens } from '../context/index.js';
import { openDatabase } from './open-database.js';
import {
  listMemoriesOptionsSchema,
  memoryAgentNameSchema,
  memoryEntryInputSchema,
  memoryRowSchema,
  type MemoryRole,
} from './schema.js';

/** One remembered message of an agent's conversations. */
export interface MemoryEntry {
  readonly agentName: string;
  /** Position in the agent's memory, from 1, increasing. */
  readonly seq: number;
  readonly role: MemoryRole;
  readonly content: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Estimated tokens of `content`. */
  readonly tokens: number;
  /** The chat run that produced it. */
  readonly runId?: string;
}

/** What {@link MemoryStore.append} takes for one entry. */
export interface MemoryEntryInput {
  readonly role: MemoryRole;
  readonly content: string;
  /** @default estimateTokens(content) */
  readonly tokens?: number;
  readonly runId?: string;
  /** Epoch ms. @default now */
  readonly createdAt?: number;
}

/** Options of {@link MemoryStore.list}. */
export interface ListMemoriesOptions {
  /** Only the most recent `limit` entries (still oldest first). @default all */
  readonly limit?: number;
}

/** An agent's whole memory as plain JSON (`ensemble memory export`). */
export interface MemoryExport {
  readonly format: 'ensemble-agent-memory';
  readonly version: 1;
  readonly agentName: string;
  /** Epoch ms. */
  readonly exportedAt: number;
  readonly entryCount: number;
  readonly totalTokens: number;
  readonly entries: readonly MemoryEntry[];
}

const MEMORY_COLUMNS = 'agent_name, seq, role, content, created_at, tokens, run_id';

/**
 * Per-agent conversation memory in the journal database (table `agent_memories`): what each
 * agent was told and answered, kept across runs and restarts. Entries are numbered per agent;
 * appends of several entries are one transaction.
 */
export class MemoryStore {
  /** The database file, or `:memory:`. */
  readonly path: string;
  private readonly database: Database.Database;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly appendAll: Database.Transaction<(agentName: string, entries: readonly z.output<typeof memoryEntryInputSchema>[]) => MemoryEntry[]>;

  constructor(path: string) {
    this.path = path;
    this.database = openDatabase(path);
    this.statements = prepareStatements(this.database);
    this.appendAll = this.database.transaction((agentName, entries) => {
      let seq = Number(this.statements.lastSeq.get(agentName) ?? 0);
      const now = Date.now();
      return entries.map((input) => {
        seq += 1;
        const entry: MemoryEntry = {
          agentName,
          seq,
          role: input.role,
          content: input.content,
          createdAt: input.createdAt ?? now,
          tokens: input.tokens ?? estimateTokens(input.content),
          ...(input.runId === undefined ? {} : { runId: input.runId }),
        };
        this.statements.insert.run(agentName, seq, entry.role, entry.content, entry.createdAt, entry.tokens, entry.runId ?? null);
        return entry;
      });
    });
  }

  /** Appends entries (in order, in one transaction) to the agent's memory and returns them as stored. */
  append(agentName: string, entries: MemoryEntryInput | readonly MemoryEntryInput[]): MemoryEntry[] {
    const name = parseInput(memoryAgentNameSchema, agentName, 'agentName');
    const list = Array.isArray(entries) ? (entries as readonly MemoryEntryInput[]) : [entries as MemoryEntryInput];
    const parsed = list.map((entry, index) => parseInput(memoryEntryInputSchema, entry, `entries[${index}]`));
    return this.guard(`append to the memory of agent "${name}"`, () => this.appendAll.immediate(name, parsed));
  }

  /** The agent's memory, oldest first; with `limit`, only the most recent entries. */
  list(agentName: string, options: ListMemoriesOptions = {}): MemoryEntry[] {
    const name = parseInput(memoryAgentNameSchema, agentName, 'agentName');
    const { limit } = parseInput(listMemoriesOptionsSchema, options, 'options');
    return this.guard(`read the memory of agent "${name}"`, () => {
      // LIMIT -1 is SQLite for "no limit".
      const rows: unknown[] = this.statements.listRecent.all(name, limit ?? -1);
      return rows.map((row) => this.toEntry(row)).reverse();
    });
  }

  /** How many entries the agent's memory holds. */
  count(agentName: string): number {
    const name = parseInput(memoryAgentNameSchema, agentName, 'agentName');
    return this.guard(`count the memory of agent "${name}"`, () => Number(this.statements.count.get(name) ?? 0));
  }

  /** Forgets everything the agent remembers; returns how many entries were deleted. */
  clear(agentName: string): number {
    const name = parseInput(memoryAgentNameSchema, agentName, 'agentName');
    return this.guard(`clear the memory of agent "${name}"`, () => this.statements.clear.run(name).changes);
  }

  /** The agent's whole memory as a JSON-ready document. */
  export(agentName: string): MemoryExport {
    const entries = this.list(agentName);
    return {
      format: 'ensemble-agent-memory',
      version: 1,
      agentName,
      exportedAt: Date.now(),
      entryCount: entries.length,
      totalTokens: entries.reduce((sum, entry) => sum + entry.tokens, 0),
      entries,
    };
  }

  /** Closes the database. Safe to call twice. */
  close(): void {
    if (this.database.open) this.database.close();
  }

  private toEntry(value: unknown): MemoryEntry {
    const parsed = memoryRowSchema.safeParse(value);
    if (!parsed.success) {
      const where = toInputIssues(parsed.error).map((issue) => `${issue.path}: ${issue.message}`).join('; ');
      throw new EnsembleError('JOURNAL_ERROR', `an agent_memories row in ${this.path} is unreadable: ${where}`, { details: { path: this.path } });
    }
    const row = parsed.data;
    return {
      agentName: row.agent_name,
      seq: row.seq,
      role: row.role,
      content: row.content,
      createdAt: row.created_at,
      tokens: row.tokens,
      ...(row.run_id === null ? {} : { runId: row.run_id }),
    };
  }

  /** Runs a store operation, reporting SQLite failures as `JOURNAL_ERROR`. */
  private guard<T>(action: string, body: () => T): T {
    return guardStoreOperation(this.path, action, body);
  }

}

/** Opens (creating folders, file and schema as needed) the agent memory stored in the journal at `path`. */
export function openMemoryStore(path: string): MemoryStore {
  return new MemoryStore(path);
}

function prepareStatements(database: Database.Database) {
  return {
    lastSeq: database.prepare('SELECT MAX(seq) FROM agent_memories WHERE agent_name = ?').pluck(),
    insert: database.prepare(`INSERT INTO agent_memories (${MEMORY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    listRecent: database.prepare(`SELECT ${MEMORY_COLUMNS} FROM agent_memories WHERE agent_name = ? ORDER BY seq DESC LIMIT ?`),
    count: database.prepare('SELECT COUNT(*) FROM agent_memories WHERE agent_name = ?').pluck(),
    clear: database.prepare('DELETE FROM agent_memories WHERE agent_name = ?'),
  };
}

function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, name: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = toInputIssues(parsed.error, name);
  throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
}
