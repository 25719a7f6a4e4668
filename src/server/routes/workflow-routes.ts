import type { Hono } from 'hono';
import { EnsembleError } from '../../core/index.js';
import { AgentOrchestrator, type OrchestratorConfig } from '../../orchestrator/index.js';
import { BUILTIN_TEMPLATES, getTemplate, listTemplates, resolveInlineWorkflow, resolveWorkflow, suggestName, type ResolvedWorkflow } from '../../workflows/index.js';
import { checkingBody, parseRequest } from '../error-response.js';
import { executeBodySchema, workflowListQuerySchema, type ExecuteBody, type ExecuteConfig } from '../schema.js';
import { readJsonBody, respondToStart, takeStart, type ServerContext } from '../server-context.js';

/** `GET /api/workflows/list` and `POST /api/workflows/execute`. */
export function addWorkflowRoutes(app: Hono, server: ServerContext): void {
  app.get('/api/workflows/list', (context) => {
    const query = parseRequest(workflowListQuerySchema, context.req.query(), 'query');
    const tags = query.tags?.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
    const workflows = listTemplates({ ...(query.category === undefined ? {} : { category: query.category }), ...(tags === undefined ? {} : { tags }) }).map((summary) => ({
      ...summary,
      parameters: getTemplate(summary.id)?.parameters ?? {},
    }));
    return context.json({ workflows });
  });

  app.post('/api/workflows/execute', async (context) => {
    const body = parseRequest(executeBodySchema, await readJsonBody(context), '');
    takeStart(server, context);
    const started = await checkingBody(() => {
      const workflow = resolveRequestedWorkflow(body);
      const orchestrator = new AgentOrchestrator({
        ...server.runs.baseConfig(),
        ...toRunConfig(workflow, body.config),
        workflowName: workflow.name,
        ...(workflow.workflowId === undefined ? {} : { workflowId: workflow.workflowId }),
        parameters: workflow.parameters,
      });
      orchestrator.addTasks(workflow.tasks);
      return server.runs.launch(orchestrator, () => orchestrator.execute());
    });
    return respondToStart(server, context, started);
  });
}

/**
 * A built-in template by id (never a file path: a caller must not make the server read its files),
 * or the body's own tasks.
 */
function resolveRequestedWorkflow(body: ExecuteBody): ResolvedWorkflow {
  if (body.workflowId === undefined) {
    return resolveInlineWorkflow({ tasks: body.tasks, ...(body.workflowName === undefined ? {} : { workflowName: body.workflowName }), ...(body.parameters === undefined ? {} : { parameters: body.parameters }) });
  }
  if (getTemplate(body.workflowId) === undefined) {
    const ids = BUILTIN_TEMPLATES.map((template) => template.id);
    const suggestion = suggestName(body.workflowId, ids);
    throw new EnsembleError('UNKNOWN_WORKFLOW', `workflowId: unknown template "${body.workflowId}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}; known: ${ids.join(', ')}`, {
      details: { workflowId: body.workflowId, templates: ids },
    });
  }
  const workflow = resolveWorkflow(body.workflowId, { params: body.parameters ?? {} });
  return body.workflowName === undefined ? workflow : { ...workflow, name: body.workflowName };
}

/** The workflow's own settings with the request's `config` over them, field by field. */
function toRunConfig(workflow: ResolvedWorkflow, config: ExecuteConfig | undefined): OrchestratorConfig {
  const { maxTokens, maxCost, ...runConfig } = config ?? {};
  const budget = workflow.config.budget;
  const runCap = { ...(maxTokens === undefined ? {} : { tokens: maxTokens }), ...(maxCost === undefined ? {} : { costUsd: maxCost }) };
  return {
    ...workflow.config,
    ...runConfig,
    ...(Object.keys(runCap).length === 0 ? {} : { budget: { ...budget, run: { ...budget?.run, ...runCap } } }),
    ...(runConfig.resources === undefined ? {} : { resources: { ...workflow.config.resources, ...runConfig.resources } }),
  };
}
