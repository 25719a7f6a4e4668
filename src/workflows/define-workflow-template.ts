import type { z } from 'zod';
import { EnsembleError, type InputIssue, type RunConfigInput, type TaskInput } from '../core/index.js';
import { checkParameters, type ParameterSet } from './check-parameters.js';
import { formatIssue } from './issues-error.js';
import { toParameterDeclarations } from './to-parameter-declarations.js';
import type { WorkflowParameterSchema, WorkflowSummary, WorkflowTemplate } from './types.js';

/** What a template file writes: its metadata, its parameters as one zod object schema, and its tasks. */
export interface WorkflowTemplateDefinition<Schema extends WorkflowParameterSchema> extends WorkflowSummary {
  /** `z.strictObject({...})` with `.describe()` texts and defaults: the one source of the parameter declarations. */
  readonly parameterSchema: Schema;
  /** The template's own run settings; CLI flags and request config are merged over them. */
  readonly config?: RunConfigInput;
  /** Builds the tasks from values the schema has parsed: typed, defaults filled, constraints met. */
  buildTasks(params: z.output<Schema>): TaskInput[];
}

/**
 * Makes a {@link WorkflowTemplate} from a definition: the parameter declarations are derived
 * from the schema, and `buildTasks` checks what it is given against the schema (coercing strings
 * as `--param` gives them), so a library caller that skips `resolveWorkflow` gets the same
 * defaults and the same INVALID_INPUT errors naming the parameter and the template.
 */
export function defineWorkflowTemplate<Schema extends WorkflowParameterSchema>(definition: WorkflowTemplateDefinition<Schema>): WorkflowTemplate {
  const parameters = toParameterDeclarations(definition.parameterSchema, `template "${definition.id}"`);
  const parameterSet: ParameterSet = { schema: definition.parameterSchema, declarations: parameters };
  return {
    id: definition.id,
    name: definition.name,
    description: definition.description,
    category: definition.category,
    tags: definition.tags,
    estimatedDuration: definition.estimatedDuration,
    complexity: definition.complexity,
    parameterSchema: definition.parameterSchema,
    parameters,
    ...(definition.config === undefined ? {} : { config: definition.config }),
    buildTasks(params) {
      const { values, issues } = checkParameters(parameterSet, params);
      if (issues.length > 0) throw createTemplateParameterError(definition.id, issues);
      // The schema parsed these values, so they are its output type.
      return definition.buildTasks(values as z.output<Schema>);
    },
  };
}

/** A template's parameters as a set: its own schema, or (for a template declaring them by hand) one made from its declarations. */
export function toTemplateParameterSet(template: WorkflowTemplate): ParameterSet {
  return { schema: template.parameterSchema, declarations: template.parameters };
}

/**
 * The INVALID_INPUT error for a template's parameters: one line per problem, then a line naming
 * the template and where its parameters are listed; `details.issues` holds the problems as data.
 */
export function createTemplateParameterError(templateId: string, issues: readonly InputIssue[]): EnsembleError {
  const lines = [...issues.map(formatIssue), `in template "${templateId}" (\`ensemble workflows show ${templateId}\` lists its parameters)`];
  return new EnsembleError('INVALID_INPUT', lines.join('\n'), { details: { workflowId: templateId, issues } });
}
