import type { z } from 'zod';
import type { RunConfigInput, TaskInput, TaskSpec } from '../core/index.js';
import type { WorkflowParameterType } from './schema.js';

/**
 * One declared parameter of a workflow, as in a workflow file's `parameters` map. A template
 * derives these from its zod `parameterSchema` ({@link toParameterDeclarations}); they drive the
 * coercion of `--param` strings, `ensemble workflows show` and listings.
 */
export interface WorkflowParameter {
  readonly type: WorkflowParameterType;
  readonly description?: string;
  /** A required parameter without a default must be given. @default false */
  readonly required?: boolean;
  /** Used when the parameter is not given; must fit `type`. */
  readonly default?: unknown;
  /** The values allowed (of each item, for an array), matched ignoring case. Templates only. */
  readonly values?: readonly string[];
  /** The type of each item of an `array` parameter; items given as strings are coerced to it. Templates only. */
  readonly items?: WorkflowParameterType;
  /** Smallest value of a `number` or `integer` parameter. Templates only. */
  readonly minimum?: number;
  /** Largest value of a `number` or `integer` parameter. Templates only. */
  readonly maximum?: number;
}

/**
 * A template's parameters as one zod object schema (`z.strictObject`): types, `.describe()`
 * texts, defaults and constraints in one place, from which the declarations are derived.
 */
export type WorkflowParameterSchema = z.ZodObject;

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
  /**
   * The parameters as a zod object schema, the one source of {@link parameters}; values are
   * checked against it before `buildTasks` sees them. `defineWorkflowTemplate` makes both.
   */
  readonly parameterSchema: WorkflowParameterSchema;
  /** The parameter declarations, for listings and `workflows show`; derived from `parameterSchema`. */
  readonly parameters: Readonly<Record<string, WorkflowParameter>>;
  /** The template's own run settings; CLI flags and request config are merged over them. */
  readonly config?: RunConfigInput;
  /** Builds the task list from parameter values, which it checks against `parameterSchema` (coercing `--param` strings) first. */
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
  /**
   * The parameters the workflow declares (types, defaults, required), for listings and
   * `workflows show`: plain declarations, not the template's zod schema.
   */
  readonly parameterSchema?: Readonly<Record<string, WorkflowParameter>>;
  /** Parsed through `taskSpecSchema`, defaults applied; graph checks are still to come. */
  readonly tasks: readonly TaskSpec[];
  /** The workflow's own config, not defaulted; the caller merges CLI flags or request config over it. */
  readonly config: RunConfigInput;
  /** Coerced parameter values, defaults included. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** `'builtin'`, `'inline'` (HTTP custom tasks), `'route'` (the task router), or the absolute path of the workflow file. */
  readonly source: string;
}
