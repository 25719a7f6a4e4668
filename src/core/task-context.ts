import type { MessageType, RunMessage, SharedContextEntry } from './run-messages.js';
import type { ContextStrategy as ContextStrategyName, TaskSpec } from './schema.js';
import type { TaskGraph } from './task-graph.js';
import type { DependencyOutput } from './types.js';

/**
 * Where a context entry comes from, seen from the task receiving it: `dependency` (a direct
 * dependency's output, always also in `inputs`), `ancestor` (an indirect one), `pool` (any other
 * finished task), `message` (an agent message for it), `shared` (the shared context store),
 * `guidance` (a person's answer to the task's escalation).
 */
export type ContextRelation = 'dependency' | 'ancestor' | 'pool' | 'message' | 'shared' | 'guidance';

/** How an entry was handed over: whole, trimmed (head and tail kept, the cut marked), or summarised. */
export type ContextTreatment = 'whole' | 'trimmed' | 'summary';

/** One piece of context handed to a task besides its prompt. */
export interface ContextEntry {
  /** `output:<taskId>`, `message:<messageId>` or `shared:<key>@<version>`: what a receipt names. */
  readonly key: string;
  readonly relation: ContextRelation;
  /** The task id (outputs), the sending agent (messages) or the key (shared). */
  readonly source: string;
  /** The agent that produced it. */
  readonly agentName: string;
  readonly text: string;
  readonly treatment: ContextTreatment;
  /** Tokens of `text` as handed over. */
  readonly tokens: number;
  /** For a message: its type. */
  readonly messageType?: MessageType;
}

/** What a task was handed, as journaled in `task:context` (no texts: the keys name them). */
export interface ContextReceiptEntry {
  readonly key: string;
  readonly relation: ContextRelation;
  readonly treatment: ContextTreatment;
  /** Tokens as handed over. */
  readonly tokens: number;
  /** Tokens of the whole source, before pruning. */
  readonly sourceTokens: number;
}

export interface ContextReceipt {
  readonly strategy: ContextStrategyName;
  /** How tokens were counted: `o200k_base`, `cl100k_base`, `estimate`, … */
  readonly tokenizer: string;
  readonly entries: readonly ContextReceiptEntry[];
  /** Tokens of every entry as handed over (the dependency outputs in `inputs` included). */
  readonly tokens: number;
}

/** What pruning did to one task's context (journaled as `context:pruned`). */
export interface PruneReport {
  readonly thresholdTokens: number;
  readonly beforeTokens: number;
  readonly afterTokens: number;
  /** The entries pruning changed or dropped (`treatment: 'dropped'` for those left out). */
  readonly entries: readonly { readonly key: string; readonly treatment: ContextTreatment | 'dropped'; readonly beforeTokens: number; readonly afterTokens: number }[];
}

/** What the run knows that a task's context can be built from: a read-only view of the scheduler's state. */
export interface ContextSources {
  readonly graph: TaskGraph;
  /** The output of a task that succeeded, by graph index; undefined for any other. */
  output(index: number): string | undefined;
  /** Indexes of the tasks that succeeded, in the order they finished. */
  readonly finished: readonly number[];
  /** Every journaled message of the run, in order. */
  readonly messages: readonly RunMessage[];
  /** The latest version of every key of the shared context store. */
  sharedEntries(): readonly SharedContextEntry[];
  /** One version of one key (replaying a receipt). */
  sharedEntry(key: string, version: number): SharedContextEntry | undefined;
}

/** What the scheduler asks a {@link ContextStrategy} for, when a task is about to start. */
export interface ContextRequest {
  readonly task: TaskSpec;
  /** The task's graph index. */
  readonly index: number;
  /** The model the task runs on (`agent:invoke.model`), for the tokenizer. */
  readonly model: string;
  readonly sources: ContextSources;
  /** Pruning starts past this many tokens (the run's `pruningThreshold`). */
  readonly thresholdTokens: number;
  /** Whether agent messages and the shared store are part of the context (`enableCommunication`). */
  readonly communication: boolean;
  /**
   * The receipt an earlier execution journaled for this task: hand over the same entries (and no
   * others), so a resume reproduces what the task received.
   */
  readonly replay?: ContextReceipt;
}

/** What a task receives: its direct dependencies' outputs and the rest of its context. */
export interface TaskContext {
  /** Every direct dependency's output, in declaration order (trimmed only when they alone pass the threshold). */
  readonly inputs: readonly DependencyOutput[];
  /** The other entries, most relevant first. */
  readonly context: readonly ContextEntry[];
  readonly receipt: ContextReceipt;
  /** Present when pruning changed anything. */
  readonly pruned?: PruneReport;
}
