/**
 * Workflows: the built-in templates, YAML/JSON workflow files and inline (HTTP) task lists,
 * each resolved to parsed tasks with parameters applied, and the task router. Graph checks
 * happen later, in core.
 */
export { BUILTIN_TEMPLATES, getTemplate, listTemplates } from './builtin-templates.js';
export type { TemplateFilter } from './builtin-templates.js';
/** Checks raw parameter values against a workflow's parameters: coerced per declared type, then parsed by its zod schema. */
export { checkParameters, coerceParameters } from './check-parameters.js';
export type { ParameterCheck, ParameterCheckOptions, ParameterSet } from './check-parameters.js';
/** Coerces one raw value (a `--param` string) to a declared parameter's type. */
export { coerceParameter, coerceParameterValue } from './coerce-parameters.js';
export type { ParameterCoercion } from './coerce-parameters.js';
/** A validated task graph as nodes, edges and levels, for `workflows show`, route plans and the HTTP API. */
export { describeTaskGraph } from './describe-task-graph.js';
export type { TaskGraphEdge, TaskGraphNode, TaskGraphView } from './describe-task-graph.js';
/** Makes a template from a zod parameter schema, metadata and a task builder; see `src/workflows/templates/` for examples. */
export { defineWorkflowTemplate } from './define-workflow-template.js';
export type { WorkflowTemplateDefinition } from './define-workflow-template.js';
export { parseParamFlags } from './parse-param-flags.js';
export type { ParamFlagValues } from './parse-param-flags.js';
export { WORKFLOW_FILE_EXTENSIONS } from './read-workflow-file.js';
export { resolveInlineWorkflow } from './resolve-inline-workflow.js';
export type { InlineWorkflowBody } from './resolve-inline-workflow.js';
export { resolveWorkflow } from './resolve-workflow.js';
/**
 * The task router: `routeTask({type, description, agents?, phases?, ...})` plans parallel types
 * (code_review, documentation, testing, refactoring), sequential ones (feature, bugfix,
 * optimization) and hybrid phases; `toRoutedWorkflow(plan)` makes the plan a runnable workflow;
 * `TASK_ROUTES` holds each type's default roles.
 */
export { PHASE_NAME_PATTERN, ROUTE_MODES, routeRequestSchema, routeTask, TASK_ROUTES, TASK_TYPES, toRoutedWorkflow } from './router/index.js';
export type { RouteMode, RoutePhase, RoutePhaseInput, RoutePlan, RouteRequest, RouteRequestInput, RouteRole, TaskRoute, TaskType } from './router/index.js';
export type { ResolveWorkflowOptions } from './resolve-workflow.js';
/** The known name a mistyped one most likely meant, for "did you mean" hints. */
export { suggestName } from './suggest-name.js';
/** Parameter declarations from a zod object schema, and a zod object schema from declarations. */
export { toParameterDeclarations } from './to-parameter-declarations.js';
export { toParameterSchema } from './to-parameter-schema.js';
/** Review findings: the schema reviewers answer in, the tolerant reader of any reviewer output, the consolidation and its report. */
export {
  REVIEW_SEVERITIES,
  REPORT_FORMATS,
  reviewFindingSchema,
  reviewFindingsSchema,
  modelReviewFindingsSchema,
  parseReviewFindings,
  readReviewFindings,
  consolidateFindings,
  isSameIssue,
  renderReviewReport,
  findingsConsolidator,
  FINDINGS_CONSOLIDATOR,
  REVIEW_FINDINGS_INSTRUCTION,
  toFindingsOutput,
} from './review-findings/index.js';
export type {
  ReviewSeverity,
  ReportFormat,
  ReviewFinding,
  ReviewFindings,
  ParsedReview,
  FindingsSource,
  FindingsReading,
  ReviewerFindings,
  ConsolidatedFinding,
  ReviewerCoverage,
  ReviewVerdict,
  ReviewReport,
} from './review-findings/index.js';
export { PARAMETER_TYPES } from './schema.js';
export type { WorkflowParameterType } from './schema.js';
export type {
  ResolvedWorkflow,
  WorkflowComplexity,
  WorkflowParameter,
  WorkflowParameterSchema,
  WorkflowSummary,
  WorkflowTemplate,
} from './types.js';
