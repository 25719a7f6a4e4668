import type { RunConfigInput, TaskInput, TaskSpec } from '../core/index.js';
import type { WorkflowParameterType } from './schema.js';

/** One declared parameter of a workflow, as in a workflow file's `parameters` map. */
export interface WorkflowParameter {
  readonly type: WorkflowParameterType;
  readonly description?: string;
  /** A required parameter without a default must be given. @default false */
  readonly required?: boolean;
  /** Used when the parameter is not given; must fit `type`. */
  readonly default?: unknown;
}

/** How demanding a template is to run and follow, for listings. */
export type WorkflowComplexity = 'simple' | 'moderate' | 'complex';

/** The listing form of a template (`GET /api/workflows/list`, `ensemble workflows list`). */
export interface WorkflowSummary {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly category: string;
  readonly tags: readonly string[];
  /** Seconds. */
  readonly estimatedDuration: number;
  readonly complexity: WorkflowComplexity;
}

/** A built-in workflow: metadata, a parameter schema, and a function from parameters to tasks. */
export interface WorkflowTemplate extends WorkflowSummary {
  readonly parameters: Readonly<Record<string, WorkflowParameter>>;
  /** The template's own run settings; CLI flags and request config are merged over them. */
  readonly config?: RunConfigInput;
  /** Builds the task list from parameters already coerced by {@link coerceParameters}. */
  buildTasks(params: Readonly<Record<string, unknown>>): TaskInput[];
}

/** A workflow ready to hand to the engine: tasks parsed, parameters applied. */
export interface ResolvedWorkflow {
  /** The template id, or a workflow file's `id`. */
  readonly workflowId?: string;
  readonly name: string;
  /** What the workflow does: the template's or the file's `description`. */
  readonly description?: string;
  /** The template's or the file's `category`. */
  readonly category?: string;
  /** The template's or the file's `tags`. */
  readonly tags?: readonly string[];
  /** The parameters the workflow declares (types, defaults, required), for listings and `workflows show`. */
  readonly parameterSchema?: Readonly<Record<string, WorkflowParameter>>;
  /** Parsed through `taskSpecSchema`, defaults applied; graph checks are still to come. */
  readonly tasks: readonly TaskSpec[];
  /** The workflow's own config, not defaulted; the caller merges CLI flags or request config over it. */
  readonly config: RunConfigInput;
  /** Coerced parameter values, defaults included. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** `'builtin'`, `'inline'` (HTTP custom tasks), or the absolute path of the workflow file. */
  readonly source: string;
}
