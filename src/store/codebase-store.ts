import type Database from 'better-sqlite3';
import type { z } from 'zod';
import { EnsembleError, escalationPriority, globsOverlap, toInputIssues, type ConflictPrediction } from '../core/index.js';
import {
  acquireLeasesInputSchema,
  answerEscalationInputSchema,
  listEscalationsOptionsSchema,
  listLeasesOptionsSchema,
  listReviewsOptionsSchema,
  listTicketsOptionsSchema,
  reviewInputSchema,
  reviewPatchSchema,
  ticketInputSchema,
  ticketPatchSchema,
  type EscalationStatus,
  type ReviewStatus,
  type TicketStatus,
} from './codebase-schema.js';
import { ESCALATION_COLUMNS, toEscalationRecord, type EscalationRecord } from './escalation-record.js';
import { guardStoreOperation } from './guard-store-operation.js';
import { LEASE_COLUMNS, toLeaseRecord, type LeaseRecord } from './lease-record.js';
import { REVIEW_COLUMNS, toReviewNumber, toReviewRecord, type ReviewRecord } from './review-record.js';
import { TICKET_COLUMNS, toTicketNumber, toTicketRecord, type TicketRecord } from './ticket-record.js';

/** What `addTicket` takes (defaults: description '', priority 5, no dependencies, files or labels). */
export type TicketInput = z.input<typeof ticketInputSchema>;
/** What `updateTicket` changes; `null` clears an optional field. */
export type TicketPatch = z.input<typeof ticketPatchSchema>;
/** What `acquireLeases` takes. */
export type AcquireLeasesInput = z.input<typeof acquireLeasesInputSchema>;
/** What `addReview` takes. */
export type ReviewInput = z.input<typeof reviewInputSchema>;
/** What `updateReview` changes; `null` clears an optional field. */
export type ReviewPatch = z.input<typeof reviewPatchSchema>;

/** A requested pattern another owner's unexpired lease overlaps. */
export interface LeaseConflict {
  readonly pattern: string;
  readonly holder: LeaseRecord;
}

/** All requested patterns leased until `expiresAt` (epoch ms), or the conflicts that refused them all. */
export type AcquireLeasesResult = { readonly ok: true; readonly expiresAt: number } | { readonly ok: false; readonly conflicts: readonly LeaseConflict[] };

/**
 * The shared codebase's tables in the journal file (schema v5): the ticket queue, write leases,
 * escalations (rows projected from the journal; only answering writes here) and the review queue.
 * Synchronous; `now` is epoch ms, passed in; every row read back is validated.
 */
/** How long a run that has not been journaled yet keeps the tickets it claimed, in ms. */
const UNSTARTED_CLAIM_MS = 60_000;

export class CodebaseStore {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly acquireTransaction: Database.Transaction<(input: z.output<typeof acquireLeasesInputSchema>, now: number) => AcquireLeasesResult>;

  constructor(
    private readonly database: Database.Database,
    /** The database file, for error messages. */
    private readonly path: string,
  ) {
    this.statements = prepareStatements(database);
    this.acquireTransaction = database.transaction((input, now) => this.acquireWithin(input, now));
  }

  /**
   * Queues a ticket, status `queued`, numbered `T-<n>`.
   * @throws EnsembleError `INVALID_INPUT` naming the field (`dependencies[0]: unknown ticket "T-9"`).
   */
  addTicket(input: TicketInput, now: number): TicketRecord {
    const ticket = parseInput(ticketInputSchema, input);
    return this.guard('add a ticket', () =>
      this.database.transaction((): TicketRecord => {
        ticket.dependencies.forEach((dependency, index) => {
          if (this.findTicketRow(dependency) === undefined) throw invalidInput(`dependencies[${index}]`, `unknown ticket "${dependency}"`);
        });
        const result = this.statements.insertTicket.run(
          ticket.title,
          ticket.description,
          ticket.priority,
          JSON.stringify([...new Set(ticket.dependencies)]),
          JSON.stringify(ticket.files),
          JSON.stringify(ticket.labels),
          ticket.capability ?? null,
          ticket.agent ?? null,
          ticket.verify === undefined ? null : JSON.stringify(ticket.verify),
          now,
          now,
        );
        return toTicketRecord(this.statements.selectTicket.get(Number(result.lastInsertRowid)));
      }).immediate(),
    );
  }

  /** The ticket, or undefined. */
  getTicket(id: string): TicketRecord | undefined {
    return this.guard(`read ticket "${id}"`, () => {
      const row = this.findTicketRow(id);
      return row === undefined ? undefined : toTicketRecord(row);
    });
  }

  /** Tickets, highest priority first, then in the order they were added. */
  listTickets(options: { readonly status?: TicketStatus; readonly limit?: number } = {}): TicketRecord[] {
    const { status, limit } = parseInput(listTicketsOptionsSchema, options, 'listTickets');
    return this.guard('list tickets', () => {
      const rows: unknown[] = this.statements.listTickets.all(status ?? null, status ?? null, limit ?? -1);
      return rows.map((row) => toTicketRecord(row));
    });
  }

  /**
   * Changes a ticket's state (`null` clears an optional field); bumps `updatedAt`.
   * @throws EnsembleError `NOT_FOUND` (`unknown ticket "T-9"`), `INVALID_INPUT`.
   */
  updateTicket(id: string, patch: TicketPatch, now: number): TicketRecord {
    const changes = parseInput(ticketPatchSchema, patch, 'patch');
    return this.guard(`update ticket "${id}"`, () =>
      this.database.transaction((): TicketRecord => {
        const current = this.findTicketRow(id);
        if (current === undefined) throw notFound(`unknown ticket "${id}"`, { ticketId: id });
        const ticket = toTicketRecord(current);
        const pick = <T>(value: T | null | undefined, previous: T | undefined): T | null => (value === undefined ? (previous ?? null) : value);
        const flags = changes.flags ?? ticket.flags;
        const lastError = pick(changes.lastError, ticket.lastError);
        this.statements.updateTicket.run(
          changes.status ?? ticket.status,
          pick(changes.runId, ticket.runId),
          pick(changes.assignee, ticket.assignee),
          changes.attempts ?? ticket.attempts,
          JSON.stringify([...new Set(flags)]),
          lastError === null ? null : JSON.stringify(lastError),
          pick(changes.branch, ticket.branch),
          pick(changes.reviewId, ticket.reviewId),
          pick(changes.startedAt, ticket.startedAt),
          pick(changes.finishedAt, ticket.finishedAt),
          now,
          toTicketNumber(id),
        );
        return toTicketRecord(this.findTicketRow(id));
      }).immediate(),
    );
  }

  /**
   * Claims a queued ticket for a run, in one IMMEDIATE transaction: two processes running tickets at
   * once never both get it. A ticket of a run that ended without giving it back (a run cancelled
   * while its process was gone) is claimable again. Resolves with the ticket, or undefined when a
   * running (or interrupted, so resumable) run holds it, or it is past being worked (done, in review…).
   * @throws EnsembleError `NOT_FOUND`.
   */
  claimTicket(id: string, runId: string, now: number): TicketRecord | undefined {
    return this.guard(`claim ticket "${id}"`, () =>
      this.database.transaction((): TicketRecord | undefined => {
        const current = this.findTicketRow(id);
        if (current === undefined) throw notFound(`unknown ticket "${id}"`, { ticketId: id });
        const ticket = toTicketRecord(current);
        if (ticket.runId === runId) return ticket;
        if (ticket.runId !== undefined && !this.hasEnded(ticket.runId, now - ticket.updatedAt)) return undefined;
        // Unclaimed, or claimed by a run that ended without giving it back (cancelled while its process was gone).
        if (ticket.status !== 'queued' && ticket.status !== 'in-progress') return undefined;
        return this.updateTicket(id, { runId, status: 'queued', assignee: null }, now);
      }).immediate(),
    );
  }

  /**
   * Whether a run ended for good: running and interrupted runs still own their tickets. A run not
   * journaled yet owns them for a minute after claiming (a run claims its tickets just before it starts).
   */
  private hasEnded(runId: string, claimAgeMs: number): boolean {
    const row = this.statements.runStatus.get(runId) as { status: string } | undefined;
    if (row === undefined) return claimAgeMs > UNSTARTED_CLAIM_MS;
    return row.status !== 'running' && row.status !== 'interrupted';
  }

  /**
   * Leases `patterns` to `owner` until `now + ttlMs`, in one IMMEDIATE transaction, so two processes
   * never both get overlapping leases: expired leases are reclaimed first, then every unexpired
   * lease of another owner that overlaps a requested pattern (see `globsOverlap`) refuses the whole
   * request. The owner re-acquiring a pattern it holds refreshes it.
   * @throws EnsembleError `INVALID_INPUT`.
   */
  acquireLeases(input: AcquireLeasesInput, now: number): AcquireLeasesResult {
    const request = parseInput(acquireLeasesInputSchema, input, 'acquireLeases');
    return this.guard(`acquire leases for "${request.owner}"`, () => this.acquireTransaction.immediate(request, now));
  }

  /** Extends every lease of `owner` to `now + ttlMs`; returns how many were renewed. */
  renewLeases(owner: string, ttlMs: number, now: number): number {
    return this.guard(`renew the leases of "${owner}"`, () => this.statements.renewLeases.run(now + ttlMs, owner).changes);
  }

  /** Releases every lease of `owner`; returns those released. */
  releaseLeases(owner: string): LeaseRecord[] {
    return this.guard(`release the leases of "${owner}"`, () => {
      const rows: unknown[] = this.statements.releaseLeases.all(owner);
      return rows.map((row) => toLeaseRecord(row));
    });
  }

  /** Leases in order of acquisition; expired ones (still present until the next acquire reclaims them) only with `includeExpired`. */
  listLeases(now: number, options: { readonly includeExpired?: boolean } = {}): LeaseRecord[] {
    const { includeExpired } = parseInput(listLeasesOptionsSchema, options, 'listLeases');
    return this.guard('list leases', () => {
      const rows: unknown[] = this.statements.listLeases.all(includeExpired === true ? null : now, includeExpired === true ? null : now);
      return rows.map((row) => toLeaseRecord(row));
    });
  }

  /** The leases `owner` holds (expired ones included until reclaimed). */
  leasesOf(owner: string): LeaseRecord[] {
    return this.guard(`read the leases of "${owner}"`, () => {
      const rows: unknown[] = this.statements.leasesOf.all(owner);
      return rows.map((row) => toLeaseRecord(row));
    });
  }

  /** Escalations, highest priority first, then oldest first. */
  listEscalations(options: { readonly status?: EscalationStatus; readonly runId?: string; readonly now?: number } = {}): EscalationRecord[] {
    const { now, ...filters } = options;
    const { status, runId } = parseInput(listEscalationsOptionsSchema, filters, 'listEscalations');
    const records = this.guard('list escalations', () => {
      const rows: unknown[] = this.statements.listEscalations.all(status ?? null, status ?? null, runId ?? null, runId ?? null);
      return rows.map((row) => toEscalationRecord(row));
    });
    return now === undefined ? records : rankByWait(records, now);
  }

  /** The escalation, or undefined. */
  getEscalation(id: string): EscalationRecord | undefined {
    return this.guard(`read escalation "${id}"`, () => {
      const row: unknown = this.statements.selectEscalation.get(id);
      return row === undefined ? undefined : toEscalationRecord(row);
    });
  }

  /**
   * Answers an open escalation as one compare-and-set (`open` → `answered`, not yet delivered): the
   * run's owner journals it as `escalation:answered`, now or when the run resumes.
   * @throws EnsembleError `INVALID_INPUT` (empty guidance), `NOT_FOUND`, `ESCALATION_CLOSED` naming its status.
   */
  answerEscalation(id: string, guidance: string, answeredBy: string | undefined, now: number): EscalationRecord {
    const answer = parseInput(answerEscalationInputSchema, { guidance, ...(answeredBy === undefined ? {} : { answeredBy }) });
    return this.guard(`answer escalation "${id}"`, () =>
      this.database.transaction((): EscalationRecord => {
        if (this.statements.answerEscalation.run(answer.guidance, answer.answeredBy ?? null, now, id).changes === 0) {
          const row: unknown = this.statements.selectEscalation.get(id);
          if (row === undefined) throw notFound(`unknown escalation "${id}"`, { escalationId: id });
          const { status } = toEscalationRecord(row);
          throw new EnsembleError('ESCALATION_CLOSED', `escalation "${id}" is ${status}, not open; it can no longer be answered`, {
            details: { escalationId: id, status },
          });
        }
        return toEscalationRecord(this.statements.selectEscalation.get(id));
      }).immediate(),
    );
  }

  /** The run's escalations answered here but not yet journaled (`escalation:answered`), oldest answer first. */
  undeliveredAnswers(runId: string): EscalationRecord[] {
    return this.guard(`read the undelivered answers of run "${runId}"`, () => {
      const rows: unknown[] = this.statements.undeliveredAnswers.all(runId);
      return rows.map((row) => toEscalationRecord(row));
    });
  }

  /** Queues a ticket's branch for review, status `open`, numbered `R-<n>`. @throws EnsembleError `INVALID_INPUT`. */
  addReview(input: ReviewInput, now: number): ReviewRecord {
    const review = parseInput(reviewInputSchema, input);
    return this.guard('add a review', () => {
      const result = this.statements.insertReview.run(
        review.ticketId,
        review.runId,
        review.branch,
        review.worktree,
        review.baseCommit,
        review.headCommit,
        JSON.stringify(review.conflicts),
        now,
        now,
      );
      return toReviewRecord(this.statements.selectReview.get(Number(result.lastInsertRowid)));
    });
  }

  /** The review, or undefined. */
  getReview(id: string): ReviewRecord | undefined {
    return this.guard(`read review "${id}"`, () => {
      const number = toReviewNumber(id);
      const row: unknown = number === undefined ? undefined : this.statements.selectReview.get(number);
      return row === undefined ? undefined : toReviewRecord(row);
    });
  }

  /** Reviews in the order they were queued. */
  listReviews(options: { readonly status?: ReviewStatus } = {}): ReviewRecord[] {
    const { status } = parseInput(listReviewsOptionsSchema, options, 'listReviews');
    return this.guard('list reviews', () => {
      const rows: unknown[] = this.statements.listReviews.all(status ?? null, status ?? null);
      return rows.map((row) => toReviewRecord(row));
    });
  }

  /**
   * Changes a review (`null` clears an optional field); bumps `updatedAt`.
   * @throws EnsembleError `NOT_FOUND` (`unknown review "R-9"`), `INVALID_INPUT`.
   */
  updateReview(id: string, patch: ReviewPatch, now: number): ReviewRecord {
    const changes = parseInput(reviewPatchSchema, patch, 'patch');
    return this.guard(`update review "${id}"`, () =>
      this.database.transaction((): ReviewRecord => {
        const number = toReviewNumber(id);
        const current: unknown = number === undefined ? undefined : this.statements.selectReview.get(number);
        if (current === undefined) throw notFound(`unknown review "${id}"`, { reviewId: id });
        const review = toReviewRecord(current);
        const conflicts: readonly ConflictPrediction[] = changes.conflicts ?? review.conflicts;
        this.statements.updateReview.run(
          changes.status ?? review.status,
          JSON.stringify(conflicts),
          changes.headCommit ?? review.headCommit,
          changes.baseCommit ?? review.baseCommit,
          changes.reason === undefined ? (review.reason ?? null) : changes.reason,
          changes.mergedCommit === undefined ? (review.mergedCommit ?? null) : changes.mergedCommit,
          now,
          number,
        );
        return toReviewRecord(this.statements.selectReview.get(number));
      }).immediate(),
    );
  }

  /** The body of {@link acquireLeases}, inside its IMMEDIATE transaction (the write lock is held from the first read). */
  private acquireWithin(request: z.output<typeof acquireLeasesInputSchema>, now: number): AcquireLeasesResult {
    this.statements.deleteExpiredLeases.run(now);
    const patterns = [...new Set(request.patterns)];
    const others: LeaseRecord[] = (this.statements.otherOwnersLeases.all(request.owner) as unknown[]).map((row) => toLeaseRecord(row));
    const conflicts: LeaseConflict[] = [];
    for (const pattern of patterns) {
      for (const holder of others) if (globsOverlap(pattern, holder.pattern)) conflicts.push({ pattern, holder });
    }
    if (conflicts.length > 0) return { ok: false, conflicts };
    const expiresAt = now + request.ttlMs;
    for (const pattern of patterns) {
      this.statements.upsertLease.run(request.owner, pattern, request.runId, request.taskId, request.ticketId ?? null, request.member ?? null, now, expiresAt);
    }
    return { ok: true, expiresAt };
  }

  private findTicketRow(id: string): unknown {
    const number = toTicketNumber(id);
    return number === undefined ? undefined : this.statements.selectTicket.get(number);
  }

  private guard<T>(action: string, body: () => T): T {
    return guardStoreOperation(this.path, action, body);
  }
}

function prepareStatements(database: Database.Database) {
  const prepare = (sql: string): Database.Statement => database.prepare(sql);
  return {
    insertTicket: prepare(
      'INSERT INTO tickets (title, description, priority, dependencies_json, files_json, labels_json, capability, agent, verify_json, status, created_at, updated_at) ' +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
    ),
    selectTicket: prepare(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE ticket_number = ?`),
    runStatus: prepare('SELECT status FROM runs WHERE run_id = ?'),
    listTickets: prepare(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE (? IS NULL OR status = ?) ORDER BY priority DESC, ticket_number LIMIT ?`),
    updateTicket: prepare(
      'UPDATE tickets SET status = ?, run_id = ?, assignee = ?, attempts = ?, flags_json = ?, last_error_json = ?, branch = ?, review_id = ?, ' +
        'started_at = ?, finished_at = ?, updated_at = ? WHERE ticket_number = ?',
    ),
    deleteExpiredLeases: prepare('DELETE FROM leases WHERE expires_at <= ?'),
    otherOwnersLeases: prepare(`SELECT ${LEASE_COLUMNS} FROM leases WHERE owner != ? ORDER BY acquired_at, owner, pattern`),
    // A refresh keeps the first acquisition time: how long a path has been held is what a board shows.
    upsertLease: prepare(
      `INSERT INTO leases (${LEASE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ` +
        'ON CONFLICT (owner, pattern) DO UPDATE SET run_id = excluded.run_id, task_id = excluded.task_id, ticket_id = excluded.ticket_id, ' +
        'member = excluded.member, expires_at = excluded.expires_at',
    ),
    renewLeases: prepare('UPDATE leases SET expires_at = ? WHERE owner = ?'),
    releaseLeases: prepare(`DELETE FROM leases WHERE owner = ? RETURNING ${LEASE_COLUMNS}`),
    listLeases: prepare(`SELECT ${LEASE_COLUMNS} FROM leases WHERE (? IS NULL OR expires_at > ?) ORDER BY acquired_at, owner, pattern`),
    leasesOf: prepare(`SELECT ${LEASE_COLUMNS} FROM leases WHERE owner = ? ORDER BY acquired_at, pattern`),
    selectEscalation: prepare(`SELECT ${ESCALATION_COLUMNS} FROM escalations WHERE escalation_id = ?`),
    listEscalations: prepare(
      `SELECT ${ESCALATION_COLUMNS} FROM escalations WHERE (? IS NULL OR status = ?) AND (? IS NULL OR run_id = ?) ` +
        'ORDER BY priority DESC, opened_at, escalation_id',
    ),
    answerEscalation: prepare(
      "UPDATE escalations SET status = 'answered', answer = ?, answered_by = ?, answered_at = ?, delivered = 0 WHERE escalation_id = ? AND status = 'open'",
    ),
    undeliveredAnswers: prepare(
      `SELECT ${ESCALATION_COLUMNS} FROM escalations WHERE run_id = ? AND status = 'answered' AND delivered = 0 ORDER BY answered_at, escalation_id`,
    ),
    insertReview: prepare(
      'INSERT INTO reviews (ticket_id, run_id, branch, worktree, base_commit, head_commit, status, conflicts_json, created_at, updated_at) ' +
        "VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
    ),
    selectReview: prepare(`SELECT ${REVIEW_COLUMNS} FROM reviews WHERE review_number = ?`),
    listReviews: prepare(`SELECT ${REVIEW_COLUMNS} FROM reviews WHERE (? IS NULL OR status = ?) ORDER BY review_number`),
    updateReview: prepare(
      'UPDATE reviews SET status = ?, conflicts_json = ?, head_commit = ?, base_commit = ?, reason = ?, merged_commit = ?, updated_at = ? WHERE review_number = ?',
    ),
  };
}

function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, name = ''): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = toInputIssues(parsed.error, name);
  throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
}

function invalidInput(path: string, message: string): EnsembleError {
  return new EnsembleError('INVALID_INPUT', `${path}: ${message}`, { details: { issues: [{ path, message }] } });
}

function notFound(message: string, details: Record<string, unknown>): EnsembleError {
  return new EnsembleError('NOT_FOUND', message, { details });
}

/**
 * The human queue's order at `now`: an open escalation's priority rises a step for every quarter
 * hour it has waited (seed: "priority based on ticket priority + wait time"), then oldest first.
 */
function rankByWait(records: readonly EscalationRecord[], now: number): EscalationRecord[] {
  const ranked = records.map((record) => (record.status === 'open' ? { ...record, priority: escalationPriority(record.priority, now - record.openedAt) } : record));
  return ranked.sort((a, b) => b.priority - a.priority || a.openedAt - b.openedAt);
}
