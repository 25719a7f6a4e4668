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
/** A run as stored, what creates one, and what it was started with. */
export type { RunRecord, RunSpec, RunOwner, CreateRunInput } from './run-record.js';
/** A task of a run, projected from its events. */
export type { TaskRecord } from './task-record.js';
/** The journal schema version this build reads and writes (SQLite `user_version`). */
export { SCHEMA_VERSION } from './migrate-schema.js';
/** Per-agent conversation memory (`agent_memories`, schema v2) in the journal database; open one with {@link openMemoryStore}. */
export { MemoryStore, openMemoryStore } from './memory-store.js';
/** A remembered message, what `append` takes, `list` options and the `export` document. */
export type { MemoryEntry, MemoryEntryInput, ListMemoriesOptions, MemoryExport } from './memory-store.js';
/** Who wrote a memory entry: `user`, `agent` or `note`. */
export { MEMORY_ROLES } from './schema.js';
export type { MemoryRole } from './schema.js';
