import type Database from 'better-sqlite3';
import { EnsembleError, isEnsembleError, type RunEvent, type RunEventOf } from '../core/index.js';
import { toEventKey } from './event-key.js';
import { OutputContents } from './output-contents.js';

/** The run a journal writes to: its id and its `runs.run_key`. */
export interface JournalTarget {
  readonly runId: string;
  readonly runKey: bigint;
  /** The writer's claim on the run: when given, a batch is refused once another process has claimed the run. */
  readonly ownerToken?: string;
}

/**
 * The journal's write path: inserts events and applies their projection (runs, tasks and
 * escalations rows) in one IMMEDIATE transaction. Statements are prepared once; each event is serialised once.
 */
export class EventAppender {
  private readonly insertEvent: Database.Statement;
  private readonly contents: OutputContents;
  private readonly ownerToken: Database.Statement<[string], string | null>;
  private readonly countTasks: Database.Statement<[string], number>;
  private readonly startRun: Database.Statement;
  private readonly endRun: Database.Statement;
  private readonly addTask: Database.Statement;
  private readonly startTask: Database.Statement;
  private readonly invokeAgent: Database.Statement;
  private readonly retryTask: Database.Statement;
  private readonly completeTask: Database.Statement;
  private readonly failTask: Database.Statement;
  private readonly skipTask: Database.Statement;
  private readonly cancelTask: Database.Statement;
  private readonly resetUnfinishedTasks: Database.Statement;
  private readonly waitTask: Database.Statement;
  private readonly requeueWaitingTask: Database.Statement;
  private readonly openEscalation: Database.Statement;
  private readonly answerEscalation: Database.Statement;
  private readonly expireEscalation: Database.Statement;
  private readonly write: Database.Transaction<(target: JournalTarget, events: readonly RunEvent[], nextOrdinal: number | undefined) => number>;

  constructor(database: Database.Database) {
    this.insertEvent = database.prepare('INSERT INTO events (event_key, run_id, seq, type, at, task_id, event_json) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.contents = new OutputContents(database);
    this.ownerToken = database.prepare<[string], string | null>('SELECT owner_token FROM runs WHERE run_id = ?').pluck();
    this.countTasks = database.prepare<[string], number>('SELECT COUNT(*) FROM tasks WHERE run_id = ?').pluck();
    this.startRun = database.prepare(
      "UPDATE runs SET status = 'running', updated_at = ?, finished_at = NULL, summary_json = NULL, error_json = NULL WHERE run_id = ?",
    );
    this.endRun = database.prepare(
      'UPDATE runs SET status = ?, summary_json = ?, error_json = ?, finished_at = ?, updated_at = ? WHERE run_id = ?',
    );
    this.addTask = database.prepare(
      "INSERT INTO tasks (run_id, task_id, ordinal, agent_name, description, dependencies_json, priority, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
    );
    this.startTask = database.prepare(
      "UPDATE tasks SET status = 'running', attempts = ?, started_at = ?, finished_at = NULL, duration_ms = NULL WHERE run_id = ? AND task_id = ?",
    );
    this.invokeAgent = database.prepare('UPDATE tasks SET model = ? WHERE run_id = ? AND task_id = ?');
    // Spend accumulates over attempts: failed, retried and aborted attempts count like the one that succeeds.
    const addSpend = 'input_tokens = input_tokens + ?, output_tokens = output_tokens + ?, total_tokens = total_tokens + ?, cost_usd = cost_usd + ?';
    this.retryTask = database.prepare(`UPDATE tasks SET status = 'retrying', attempts = ?, error_json = ?, ${addSpend} WHERE run_id = ? AND task_id = ?`);
    this.completeTask = database.prepare(
      `UPDATE tasks SET status = 'succeeded', attempts = ?, output = ?, output_content_id = ?, ${addSpend}, ` +
        'duration_ms = ?, finished_at = ?, evidence_json = ?, model = COALESCE(?, model), error_json = NULL WHERE run_id = ? AND task_id = ?',
    );
    this.failTask = database.prepare(
      `UPDATE tasks SET status = 'failed', attempts = ?, error_json = ?, duration_ms = ?, finished_at = ?, ${addSpend} WHERE run_id = ? AND task_id = ?`,
    );
    this.skipTask = database.prepare("UPDATE tasks SET status = 'skipped', finished_at = ? WHERE run_id = ? AND task_id = ?");
    this.cancelTask = database.prepare(
      `UPDATE tasks SET status = 'cancelled', attempts = COALESCE(?, attempts), duration_ms = COALESCE(?, duration_ms), finished_at = ?, ${addSpend} ` +
        'WHERE run_id = ? AND task_id = ?',
    );
    // A resumed execution runs again every task that did not succeed: until it starts, it is pending;
    // one waiting for a person's answer goes on waiting (its escalation stays open across the restart).
    this.resetUnfinishedTasks = database.prepare("UPDATE tasks SET status = 'pending' WHERE run_id = ? AND status NOT IN ('succeeded', 'waiting')");
    this.waitTask = database.prepare(
      `UPDATE tasks SET status = 'waiting', attempts = ?, duration_ms = ?, ${addSpend} WHERE run_id = ? AND task_id = ?`,
    );
    this.requeueWaitingTask = database.prepare("UPDATE tasks SET status = 'pending' WHERE run_id = ? AND task_id = ? AND status = 'waiting'");
    // Escalations are projected here, in the event's transaction; answering one outside the run
    // (CodebaseStore.answerEscalation) leaves it undelivered until escalation:answered is journaled.
    this.openEscalation = database.prepare(
      'INSERT INTO escalations (escalation_id, run_id, task_id, agent_name, attempt, ticket_id, member, trigger_type, reason, context, options_json, ' +
        "priority, status, opened_at, deadline_at, default_action) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
    );
    this.answerEscalation = database.prepare(
      "UPDATE escalations SET status = 'answered', answer = ?, answered_by = COALESCE(?, answered_by), answered_at = COALESCE(answered_at, ?), " +
        "delivered = 1 WHERE escalation_id = ? AND run_id = ? AND status IN ('open', 'answered')",
    );
    this.expireEscalation = database.prepare(
      "UPDATE escalations SET status = 'expired', answer = COALESCE(?, answer), answered_at = COALESCE(answered_at, ?) " +
        "WHERE escalation_id = ? AND run_id = ? AND status IN ('open', 'answered')",
    );
    this.write = database.transaction((target: JournalTarget, events: readonly RunEvent[], nextOrdinal: number | undefined): number => {
      if (target.ownerToken !== undefined) this.assertOwner(target.runId, target.ownerToken);
      let ordinal = nextOrdinal ?? this.countTasks.get(target.runId) ?? 0;
      for (const event of events) {
        try {
          ordinal = this.writeEvent(target, event, ordinal);
        } catch (error) {
          throw toEventError(error, target.runId, event);
        }
      }
      return ordinal;
    });
  }

  /**
   * Journals `events` of the target run atomically: all of them with their projection, or nothing.
   * `nextOrdinal` is the declaration position the next `task:added` gets (undefined: count the
   * run's tasks); returns the position after this batch.
   * @throws EnsembleError `JOURNAL_ERROR` naming the run and the event that failed.
   */
  append(target: JournalTarget, events: readonly RunEvent[], nextOrdinal: number | undefined): number | undefined {
    if (events.length === 0) return nextOrdinal;
    const { runId } = target;
    try {
      return this.write.immediate(target, events, nextOrdinal);
    } catch (error) {
      if (isEnsembleError(error)) throw error;
      const code = (error as { code?: unknown }).code;
      throw new EnsembleError('JOURNAL_ERROR', `could not journal ${events.length} events of run "${runId}": ${describe(error)}`, {
        details: { runId, firstSeq: events[0]?.seq, sqliteCode: code },
        retryable: code === 'SQLITE_BUSY',
        cause: error,
      });
    }
  }

  /** Refuses a batch from a process whose claim on the run was taken over (it was judged gone, and another resumed the run). */
  private assertOwner(runId: string, token: string): void {
    const current = this.ownerToken.get(runId);
    if (current === undefined || current === token) return;
    throw new EnsembleError('JOURNAL_ERROR', `run "${runId}" was taken over by another process; this one no longer owns it and stops`, {
      details: { runId, reason: 'claim-lost' },
    });
  }

  /** Inserts one event and applies its projection; returns the next task ordinal. */
  private writeEvent(target: JournalTarget, event: RunEvent, ordinal: number): number {
    const { runId } = target;
    if (event.runId !== runId) {
      throw new EnsembleError('JOURNAL_ERROR', `event seq ${event.seq} (${event.type}) belongs to run "${event.runId}", not "${runId}"`);
    }
    const taskId = 'taskId' in event ? event.taskId : null;
    const eventKey = toEventKey(target.runKey, event.seq, runId);
    const stored = this.contents.toStoredEvent(event);
    try {
      this.insertEvent.run(eventKey, runId, event.seq, event.type, event.at, taskId, stored.json);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw error;
      throw new EnsembleError('JOURNAL_ERROR', `run "${runId}" already has an event with seq ${event.seq}; ${event.type} was not journaled`, {
        details: { runId, seq: event.seq, type: event.type },
        cause: error,
      });
    }
    switch (event.type) {
      case 'workflow:start':
        expectOneRow(this.startRun.run(event.at, runId), event);
        if (event.resumed) this.resetUnfinishedTasks.run(runId);
        return ordinal;
      case 'task:added':
        this.addTask.run(
          runId,
          event.taskId,
          ordinal,
          event.agentName,
          event.description,
          event.dependencies.length === 0 ? '[]' : JSON.stringify(event.dependencies),
          event.priority,
        );
        return ordinal + 1;
      case 'task:start':
        expectOneRow(this.startTask.run(event.attempt, event.at, runId, event.taskId), event);
        return ordinal;
      case 'agent:invoke':
        expectOneRow(this.invokeAgent.run(event.model, runId, event.taskId), event);
        return ordinal;
      case 'task:retry': {
        const { usage } = event;
        const spend = [usage.inputTokens, usage.outputTokens, usage.totalTokens, event.costUsd];
        expectOneRow(this.retryTask.run(event.attempt, JSON.stringify(event.error), ...spend, runId, event.taskId), event);
        return ordinal;
      }
      case 'task:complete': {
        const { usage } = event;
        const result = this.completeTask.run(
          event.attempt,
          stored.outputContentId === null ? event.output : null,
          stored.outputContentId,
          usage.inputTokens,
          usage.outputTokens,
          usage.totalTokens,
          event.costUsd,
          event.duration,
          event.at,
          event.evidence === undefined ? null : JSON.stringify(event.evidence),
          event.model ?? null,
          runId,
          event.taskId,
        );
        expectOneRow(result, event);
        return ordinal;
      }
      case 'task:error': {
        const { usage } = event;
        const spend = [usage.inputTokens, usage.outputTokens, usage.totalTokens, event.costUsd];
        expectOneRow(this.failTask.run(event.attempt, JSON.stringify(event.error), event.duration, event.at, ...spend, runId, event.taskId), event);
        return ordinal;
      }
      case 'task:skipped':
        expectOneRow(this.skipTask.run(event.at, runId, event.taskId), event);
        return ordinal;
      case 'task:cancelled': {
        const { usage } = event;
        const spend = [usage.inputTokens, usage.outputTokens, usage.totalTokens, event.costUsd];
        expectOneRow(this.cancelTask.run(event.attempt ?? null, event.duration ?? null, event.at, ...spend, runId, event.taskId), event);
        // Its escalation stays open: it outlives a cancel or a crash, and a resume waits on it again.
        return ordinal;
      }
      case 'escalation:open': {
        const { usage } = event;
        const spend = [usage.inputTokens, usage.outputTokens, usage.totalTokens, event.costUsd];
        expectOneRow(this.waitTask.run(event.attempt, event.duration, ...spend, runId, event.taskId), event);
        try {
          this.openEscalation.run(
            event.escalationId,
            runId,
            event.taskId,
            event.agentName,
            event.attempt,
            event.ticketId ?? null,
            event.member ?? null,
            event.triggerType,
            event.reason,
            event.context,
            JSON.stringify(event.options),
            event.priority,
            event.at,
            event.deadlineAt ?? null,
            event.defaultAction ?? null,
          );
        } catch (error) {
          if ((error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw error;
          throw new EnsembleError('JOURNAL_ERROR', `escalation "${event.escalationId}" already exists; escalation:open seq ${event.seq} of run "${runId}" was not journaled`, {
            details: { runId, seq: event.seq, escalationId: event.escalationId },
            cause: error,
          });
        }
        return ordinal;
      }
      case 'escalation:answered':
        expectEscalation(this.answerEscalation.run(event.guidance, event.answeredBy ?? null, event.at, event.escalationId, runId), event);
        this.requeueWaitingTask.run(runId, event.taskId);
        return ordinal;
      case 'escalation:expired':
        expectEscalation(this.expireEscalation.run(event.guidance ?? null, event.at, event.escalationId, runId), event);
        if (event.action === 'guidance') this.requeueWaitingTask.run(runId, event.taskId);
        return ordinal;
      case 'workflow:complete':
      case 'workflow:error': {
        const error = event.type === 'workflow:error' ? JSON.stringify(event.error) : null;
        expectOneRow(this.endRun.run(event.status, JSON.stringify(event.summary), error, event.at, event.at, runId), event);
        return ordinal;
      }
      default:
        // agent:message, wave:*, workflow:results live in the events table only.
        return ordinal;
    }
  }
}

/** A projection that touches no row means the journal and the event stream disagree: fail loudly. */
function expectOneRow(result: Database.RunResult, event: RunEvent): void {
  if (result.changes === 1) return;
  const subject = 'taskId' in event ? `task "${event.taskId}" (no task:added was journaled for it)` : 'the run (no such run row)';
  throw new EnsembleError('JOURNAL_ERROR', `${event.type} seq ${event.seq} of run "${event.runId}" refers to ${subject}`, {
    details: { runId: event.runId, seq: event.seq, type: event.type },
  });
}

/** An escalation event for an escalation the journal never opened (or already closed) means the stream and the rows disagree. */
function expectEscalation(result: Database.RunResult, event: RunEventOf<'escalation:answered' | 'escalation:expired'>): void {
  if (result.changes === 1) return;
  throw new EnsembleError(
    'JOURNAL_ERROR',
    `${event.type} seq ${event.seq} of run "${event.runId}" refers to escalation "${event.escalationId}", which is not open in this journal`,
    { details: { runId: event.runId, seq: event.seq, type: event.type, escalationId: event.escalationId } },
  );
}

function toEventError(error: unknown, runId: string, event: RunEvent): EnsembleError {
  if (isEnsembleError(error)) return error;
  const code = (error as { code?: unknown }).code;
  return new EnsembleError('JOURNAL_ERROR', `could not journal ${event.type} seq ${event.seq} of run "${runId}": ${describe(error)}`, {
    details: { runId, seq: event.seq, type: event.type, sqliteCode: code },
    retryable: code === 'SQLITE_BUSY',
    cause: error,
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
