/** The SQLite run journal: runs, their events, and the task rows projected from them. */

/**
 * Opens (creating parent folders, file and schema as needed) the run journal at `path`;
 * `:memory:` gives a private in-memory journal.
 */
export { openRunStore } from './run-store.js';
/** The SQLite run journal; obtain one with {@link openRunStore}. */
export { RunStore } from './run-store.js';
/** Options of `RunStore.listRuns` and `RunStore.readEvents`. */
export type { ListRunsOptions, ReadEventsOptions } from './run-store.js';
/** `$ENSEMBLE_HOME/ensemble.db`, else `<cwd>/.ensemble/ensemble.db`. */
export { defaultStorePath } from './default-store-path.js';
/** A run as stored, what creates one, what it was started with (config and settings), and the claim of the process that runs it. */
export type { RunRecord, RunSpec, RunSettings, RunOwner, RecordedOwner, RunClaim, CreateRunInput } from './run-record.js';
/** Claiming a run (one compare-and-set), judging its recorded owner, and what renewing a heartbeat found. */
export type { ClaimOptions, HeartbeatResult, OwnerJudge } from './run-claims.js';
/** Which runs `runs prune` removes, what was removed, and how the space was given back. */
export type { PruneCriteria, RemovedRun, SpaceReport } from './remove-runs.js';
/** Outputs longer than this many characters are stored once in the journal and referenced from events and task rows. */
export { INLINE_OUTPUT_LIMIT } from './output-contents.js';
/** A task of a run, projected from its events. */
export type { TaskRecord } from './task-record.js';
/** The journal schema version this build reads and writes (SQLite `user_version`). */
export { SCHEMA_VERSION } from './migrate-schema.js';
/** Per-agent conversation memory (`agent_memories`, schema v2) in the journal database; open one with {@link openMemoryStore}. */
export { MemoryStore, openMemoryStore } from './memory-store.js';
/** A remembered message, what `append` takes, `list` options and the `export` document. */
export type { MemoryEntry, MemoryEntryInput, ListMemoriesOptions, MemoryExport, MemoryImportReport, ImportMemoryOptions } from './memory-store.js';
/** Who wrote a memory entry: `user`, `agent` or `note`. */
export { MEMORY_ROLES } from './schema.js';
export type { MemoryRole } from './schema.js';
/** The shared codebase's tables (schema v5): ticket queue, write leases, escalations and review queue; reach it as `RunStore.codebase`. */
export { CodebaseStore } from './codebase-store.js';
/** What `CodebaseStore` methods take and return: ticket input and patch, a lease request and its result, review input and patch. */
export type { TicketInput, TicketPatch, AcquireLeasesInput, AcquireLeasesResult, LeaseConflict, ReviewInput, ReviewPatch } from './codebase-store.js';
/** A ticket of the repository's queue. */
export type { TicketRecord } from './ticket-record.js';
/** A path or glob held for writing by one owner until it expires. */
export type { LeaseRecord } from './lease-record.js';
/** An escalation projected from the journal, and whether its answer was delivered. */
export type { EscalationRecord } from './escalation-record.js';
/** A ticket's branch waiting for approval. */
export type { ReviewRecord } from './review-record.js';
/** The states of tickets, escalations and reviews. */
export { TICKET_STATUSES, ESCALATION_STATUSES, REVIEW_STATUSES } from './codebase-schema.js';
/** The lease table's inputs, shared by every lease table (SQLite here, Redis in src/distributed). */
export { acquireLeasesInputSchema, listLeasesOptionsSchema } from './codebase-schema.js';
export type { TicketStatus, EscalationStatus, ReviewStatus } from './codebase-schema.js';
/** The shared codebase's figures (tickets by status, completion time, escalation, conflict and utilisation rates): `/metrics` and `tickets watch` read the same. */
export { computeTicketFigures } from './ticket-figures.js';
export type { TicketFigures } from './ticket-figures.js';
/** The result cache's table (schema v6): reusable outputs of read-only tasks; reach it as `RunStore.resultCache`. */
export { ResultCacheStore } from './result-cache-store.js';
export type { ResultCacheEntry, ResultCacheEntryInput, ResultCacheFilter } from './result-cache-store.js';
/** The log of host maintenance (schema v6): each `stop-all` and `cleanup`, started then finished with its report; reach it as `RunStore.maintenance`. */
export { MaintenanceLog, MAINTENANCE_ACTIONS } from './maintenance-log.js';
export type { MaintenanceAction, MaintenanceActionName, MaintenanceStartInput, ListMaintenanceOptions } from './maintenance-log.js';
