import type { InputIssue, RunConfigInput } from '../core/index.js';
import { retryPolicySchema, runConfigSchema } from '../core/index.js';
import { checkParameters, type ParameterCheckOptions } from './check-parameters.js';
import { coerceParameterValue } from './coerce-parameters.js';
import { createIssuesError } from './issues-error.js';
import { readWorkflowFile } from './read-workflow-file.js';
import { resolveTasks } from './resolve-tasks.js';
import type { WorkflowFile } from './schema.js';
import { WORKFLOW_FILE_FIELDS, WORKFLOW_PARAMETER_FIELDS, workflowFileSchema } from './schema.js';
import { toParameterSchema } from './to-parameter-schema.js';
import { toWorkflowIssues } from './to-workflow-issues.js';
import type { ResolvedWorkflow, WorkflowParameter } from './types.js';

const CONFIG_FIELDS = Object.keys(runConfigSchema.shape);
const RETRY_FIELDS = Object.keys(retryPolicySchema.shape);

/**
 * Loads a YAML/JSON workflow file and applies parameters to it. Every problem is reported at
 * once: INVALID_WORKFLOW when the file itself is wrong (shape, config, defaults, placeholders,
 * tasks), INVALID_INPUT when only the given parameter values are.
 */
export function resolveWorkflowFile(
  absolutePath: string,
  displayPath: string,
  rawParameters: Readonly<Record<string, unknown>> | ((schema: Readonly<Record<string, WorkflowParameter>>) => Readonly<Record<string, unknown>>),
  checkOptions: ParameterCheckOptions = {},
): ResolvedWorkflow {
  const errorDetails = { file: absolutePath };
  const content = readWorkflowFile(absolutePath, displayPath);
  if (content === null || content === undefined) {
    throw createIssuesError('INVALID_WORKFLOW', [{ path: '(root)', message: `${displayPath} is empty` }], errorDetails);
  }
  const parsedFile = workflowFileSchema.safeParse(content);
  if (!parsedFile.success) {
    const issues = toWorkflowIssues(parsedFile.error, '', (path) => (path[0] === 'parameters' ? WORKFLOW_PARAMETER_FIELDS : WORKFLOW_FILE_FIELDS));
    throw createIssuesError('INVALID_WORKFLOW', issues, errorDetails);
  }
  const file = parsedFile.data;

  const definitionIssues: InputIssue[] = [];
  const config = checkConfig(file.config, definitionIssues);
  const parameterSchema = readParameterDeclarations(file.parameters ?? {}, definitionIssues);
  // Flags are read against the declared parameters (an array may repeat): parse them only now.
  const raw = typeof rawParameters === 'function' ? rawParameters(parameterSchema) : rawParameters;
  // The declarations become a zod schema, so a file's values are checked exactly as a template's are.
  const parameterCheck = checkParameters({ schema: toParameterSchema(parameterSchema), declarations: parameterSchema }, raw, checkOptions);
  const resolution = resolveTasks(file.tasks, { declaredNames: Object.keys(parameterSchema), values: parameterCheck.values });
  definitionIssues.push(...resolution.issues);

  if (definitionIssues.length > 0 || parameterCheck.issues.length > 0) {
    const code = definitionIssues.length > 0 ? 'INVALID_WORKFLOW' : 'INVALID_INPUT';
    throw createIssuesError(code, [...definitionIssues, ...parameterCheck.issues], errorDetails);
  }
  return {
    ...(file.id === undefined ? {} : { workflowId: file.id }),
    name: file.name,
    ...(file.description === undefined ? {} : { description: file.description }),
    ...(file.category === undefined ? {} : { category: file.category }),
    ...(file.tags === undefined ? {} : { tags: file.tags }),
    parameterSchema,
    tasks: resolution.tasks,
    config,
    parameters: parameterCheck.values,
    source: absolutePath,
  };
}

function checkConfig(rawConfig: WorkflowFile['config'], issues: InputIssue[]): RunConfigInput {
  if (rawConfig === undefined) return {};
  const parsed = runConfigSchema.safeParse(rawConfig);
  if (!parsed.success) {
    issues.push(...toWorkflowIssues(parsed.error, 'config', (path) => (path[0] === 'retry' ? RETRY_FIELDS : CONFIG_FIELDS)));
    return {};
  }
  // The schema accepted it, so it is a valid input; keep it undefaulted for the caller's merge.
  return rawConfig as RunConfigInput;
}

/** The declared parameters, with defaults checked against (and coerced to) their types. */
function readParameterDeclarations(declared: NonNullable<WorkflowFile['parameters']>, issues: InputIssue[]): Record<string, WorkflowParameter> {
  const entries = Object.entries(declared).map(([name, declaration]): [string, WorkflowParameter] => {
    let defaultValue: unknown;
    if (declaration.default !== undefined && declaration.default !== null) {
      const coercion = coerceParameterValue(declaration.type, declaration.default);
      if (coercion.ok) defaultValue = coercion.value;
      else issues.push({ path: `parameters.${name}.default`, message: coercion.message });
    }
    const parameter: WorkflowParameter = {
      type: declaration.type,
      ...(declaration.description === undefined ? {} : { description: declaration.description }),
      ...(declaration.required === undefined ? {} : { required: declaration.required }),
      ...(defaultValue === undefined ? {} : { default: defaultValue }),
    };
    return [name, parameter];
  });
  return Object.fromEntries(entries);
}
