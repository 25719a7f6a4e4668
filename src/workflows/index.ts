/**
 * Workflows: the built-in templates, YAML/JSON workflow files and inline (HTTP) task lists,
 * each resolved to parsed tasks with parameters applied. Graph checks happen later, in core.
 */
export { BUILTIN_TEMPLATES, getTemplate, listTemplates } from './builtin-templates.js';
export type { TemplateFilter } from './builtin-templates.js';
export { coerceParameters } from './coerce-parameters.js';
export type { ParameterCheckOptions } from './coerce-parameters.js';
export { parseParamFlags } from './parse-param-flags.js';
export type { ParamFlagValues } from './parse-param-flags.js';
export { WORKFLOW_FILE_EXTENSIONS } from './read-workflow-file.js';
export { resolveInlineWorkflow } from './resolve-inline-workflow.js';
export type { InlineWorkflowBody } from './resolve-inline-workflow.js';
export { resolveWorkflow } from './resolve-workflow.js';
/** The known name a mistyped one most likely meant, for "did you mean" hints. */
export { suggestName } from './suggest-name.js';
export type { ResolveWorkflowOptions } from './resolve-workflow.js';
export { PARAMETER_TYPES } from './schema.js';
export type { WorkflowParameterType } from './schema.js';
export type { ResolvedWorkflow, WorkflowComplexity, WorkflowParameter, WorkflowSummary, WorkflowTemplate } from './types.js';
