import type Database from 'better-sqlite3';
import { guardStoreOperation } from './guard-store-operation.js';
import { z } from 'zod';
import { EnsembleError, toInputIssues } from '../core/index.js';
import { estimateTokens } from '../context/index.js';
import { openDatabase } from './open-database.js';
import {
  listMemoriesOptionsSchema,
  MEMORY_ROLES,
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

/** What {@link MemoryStore.import} did. */
export interface MemoryImportReport {
  /** The agent whose memory received the entries. */
  readonly agentName: string;
  /** Entries in the document. */
  readonly entryCount: number;
  readonly imported: number;
  /** Entries the memory already held (same role, content and time): not imported again. */
  readonly skipped: number;
  /** Entries in the agent's memory now. */
  readonly total: number;
}

/** Options of {@link MemoryStore.import}. */
export interface ImportMemoryOptions {
  /** Import into this agent's memory instead of the one the document was exported from. */
  readonly agentName?: string;
}

/** One entry of a `memory export` document. */
const exportedEntrySchema = z.strictObject({
  agentName: memoryAgentNameSchema,
  seq: z.int().min(1),
  role: z.enum(MEMORY_ROLES, { error: `expected one of ${MEMORY_ROLES.join(', ')}` }),
  content: z.string({ error: 'expected text' }),
  createdAt: z.int().min(0),
  tokens: z.int().min(0),
  runId: z.string().min(1).optional(),
});

/** The document `memory export` writes ({@link MemoryExport}), as `memory import` reads it back: strict, it is ours. */
export const memoryExportSchema = z
  .strictObject({
    format: z.literal('ensemble-agent-memory', { error: 'expected "ensemble-agent-memory" (a file written by `ensemble memory export`)' }),
    version: z.literal(1, { error: 'expected 1 (this build reads version 1 of the export format)' }),
    agentName: memoryAgentNameSchema,
    exportedAt: z.int().min(0),
    entryCount: z.int().min(0),
    totalTokens: z.int().min(0),
    entries: z.array(exportedEntrySchema),
  })
  .superRefine((document, context) => {
    if (document.entryCount !== document.entries.length) {
      context.addIssue({ code: 'custom', path: ['entryCount'], message: `says ${document.entryCount} entries but the document holds ${document.entries.length} (a cut-off file?)` });
    }
    document.entries.forEach((entry, index) => {
      if (entry.agentName !== document.agentName) {
        context.addIssue({ code: 'custom', path: ['entries', index, 'agentName'], message: `"${entry.agentName}" differs from the document's agent "${document.agentName}"` });
      }
    });
  });

const MEMORY_COLUMNS = 'agent_name, seq, role, content, created_at, tokens, run_id';

/** What makes two entries the same remembered message, for an import that must not duplicate. */
function entryKey(entry: Pick<MemoryEntry, 'role' | 'content' | 'createdAt'>): string {
  return JSON.stringify([entry.role, entry.createdAt, entry.content]);
}

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
  private readonly importAll: Database.Transaction<(agentName: string, entries: readonly z.output<typeof exportedEntrySchema>[]) => MemoryImportReport>;

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
    this.importAll = this.database.transaction((agentName, entries) => {
      const existing: MemoryEntry[] = (this.statements.listRecent.all(agentName, -1) as unknown[]).map((row) => this.toEntry(row)).reverse();
      // A multiset: an entry repeated in the document is imported as often as the memory lacks it.
      const held = new Map<string, number>();
      for (const entry of existing) held.set(entryKey(entry), (held.get(entryKey(entry)) ?? 0) + 1);
      const added = entries.filter((entry) => {
        const count = held.get(entryKey(entry)) ?? 0;
        if (count > 0) held.set(entryKey(entry), count - 1);
        return count === 0;
      });
      const report = { agentName, entryCount: entries.length, imported: added.length, skipped: entries.length - added.length, total: existing.length + added.length };
      if (added.length === 0) return report;
      const latest = existing.at(-1)?.createdAt ?? Number.NEGATIVE_INFINITY;
      const isAppend = added.every((entry) => entry.createdAt >= latest);
      // Sorting is stable: at equal times the memory's own entries come first, and a document's entries keep their order.
      const merged = isAppend ? added : [...existing, ...added].sort((left, right) => left.createdAt - right.createdAt);
      let seq = isAppend ? (existing.at(-1)?.seq ?? 0) : 0;
      if (!isAppend) this.statements.clear.run(agentName);
      for (const entry of merged) {
        seq += 1;
        this.statements.insert.run(agentName, seq, entry.role, entry.content, entry.createdAt, entry.tokens, entry.runId ?? null);
      }
      return report;
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

  /**
   * Merges a `memory export` document into an agent's memory (its own, or `options.agentName`'s),
   * in one transaction: entries the memory already holds (same role, content and time) are
   * skipped, so importing the same file twice adds nothing; the rest keep their time, tokens and
   * run, and the memory is renumbered in time order when an imported entry is older than one
   * already there, so recall still reads conversations in the order they happened.
   * @throws EnsembleError `INVALID_INPUT` naming the field of a malformed document (`entries[3].role`).
   */
  import(document: unknown, options: ImportMemoryOptions = {}): MemoryImportReport {
    const parsed = parseInput(memoryExportSchema, document, 'document');
    const agentName = options.agentName === undefined ? parsed.agentName : parseInput(memoryAgentNameSchema, options.agentName, 'agentName');
    return this.guard(`import into the memory of agent "${agentName}"`, () => this.importAll.immediate(agentName, parsed.entries));
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
