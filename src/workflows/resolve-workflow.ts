import type { Stats } from 'node:fs';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { EnsembleError } from '../core/index.js';
import { BUILTIN_TEMPLATES, getTemplate } from './builtin-templates.js';
import { checkParameters, type ParameterCheckOptions } from './check-parameters.js';
import { createTemplateParameterError, toTemplateParameterSet } from './define-workflow-template.js';
import { createIssuesError } from './issues-error.js';
import { isWorkflowFileName, WORKFLOW_FILE_EXTENSIONS } from './read-workflow-file.js';
import { parseParamFlags } from './parse-param-flags.js';
import { resolveTasks } from './resolve-tasks.js';
import { resolveWorkflowFile } from './resolve-workflow-file.js';
import type { ResolvedWorkflow, WorkflowParameter, WorkflowTemplate } from './types.js';

export interface ResolveWorkflowOptions extends ParameterCheckOptions {
  /** Raw parameter values: strings from `--param`, or typed values from JSON. @default {} */
  readonly params?: Readonly<Record<string, unknown>>;
  /**
   * `--param name=value` flags, used instead of `params`: parsed against the workflow's declared
   * parameters, so a repeated name is an error unless that parameter is an array.
   */
  readonly paramFlags?: readonly string[];
  /** Folder a relative file reference is resolved against. @default process.cwd() */
  readonly cwd?: string;
}

/** The raw parameter values for a workflow that declares `schema`. */
export type RawParameters = (schema: Readonly<Record<string, WorkflowParameter>>) => Readonly<Record<string, unknown>>;

/**
 * Turns a built-in template id or a path to a `.yaml`/`.yml`/`.json` workflow file into tasks
 * with parameters applied. Built-in ids win over files. Graph checks (cycles, unknown
 * dependencies and agents) are left to core's `validateGraph`.
 */
export function resolveWorkflow(reference: string, options: ResolveWorkflowOptions = {}): ResolvedWorkflow {
  const { paramFlags } = options;
  const rawParameters: RawParameters = paramFlags === undefined ? () => options.params ?? {} : (schema) => parseParamFlags(paramFlags, schema);
  const checkOptions: ParameterCheckOptions = options.missingRequired === undefined ? {} : { missingRequired: options.missingRequired };
  const template = getTemplate(reference);
  if (template !== undefined) return resolveTemplateWorkflow(template, rawParameters(template.parameters), checkOptions);

  const absolutePath = resolve(options.cwd ?? process.cwd(), reference);
  const stats = reference.trim() === '' ? undefined : statPath(absolutePath);
  // A folder named like a workflow file goes on to the reader, which says it cannot read it.
  if (stats === undefined || (!stats.isFile() && !isWorkflowFileName(absolutePath))) {
    const ids = BUILTIN_TEMPLATES.map((builtin) => builtin.id);
    throw new EnsembleError('UNKNOWN_WORKFLOW', `unknown workflow "${reference}": not a built-in template (${ids.join(', ')}) and no such file`, {
      details: { reference, path: absolutePath, templates: ids },
    });
  }
  if (!isWorkflowFileName(absolutePath)) {
    throw new EnsembleError('INVALID_WORKFLOW', `workflow file "${reference}" must end in ${WORKFLOW_FILE_EXTENSIONS.join(', ')}`, {
      details: { reference, path: absolutePath },
    });
  }
  return resolveWorkflowFile(absolutePath, reference, rawParameters, checkOptions);
}

/**
 * Checks parameters against the template's schema (INVALID_INPUT naming each parameter and the
 * template), builds its tasks and parses them.
 */
export function resolveTemplateWorkflow(
  template: WorkflowTemplate,
  rawParams: Readonly<Record<string, unknown>>,
  checkOptions: ParameterCheckOptions = {},
): ResolvedWorkflow {
  const { values: parameters, issues } = checkParameters(toTemplateParameterSet(template), rawParams, checkOptions);
  if (issues.length > 0) throw createTemplateParameterError(template.id, issues);
  // Templates write parameter values straight into prompts, so no placeholder pass: a "{{" in a
  // user's feature text stays literal.
  const resolution = resolveTasks(template.buildTasks(parameters), undefined);
  if (resolution.issues.length > 0) throw createIssuesError('INVALID_WORKFLOW', resolution.issues, { workflowId: template.id });
  return {
    workflowId: template.id,
    name: template.name,
    description: template.description,
    category: template.category,
    tags: template.tags,
    parameterSchema: template.parameters,
    tasks: resolution.tasks,
    config: { ...template.config },
    parameters,
    source: 'builtin',
  };
}

/** The path's stats, or undefined when nothing usable is there (missing, or a file used as a folder). */
function statPath(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
