import type { Hono } from 'hono';
import { EnsembleError } from '../../core/index.js';
import type { AgentDefinition } from '../../agents/index.js';
import { chat } from '../../meetings/index.js';
import { suggestName } from '../../workflows/index.js';
import { parseRequest } from '../error-response.js';
import { agentListQuerySchema, chatBodySchema } from '../schema.js';
import { readJsonBody, takeStart, type ServerContext } from '../server-context.js';

/** `/api/agents`: the registry, and a chat with one agent (with its memory). */
export function addAgentRoutes(app: Hono, server: ServerContext): void {
  const { registry } = server;

  app.get('/api/agents', (context) => {
    const query = parseRequest(agentListQuerySchema, context.req.query(), 'query');
    const agents = registry.list(query.category === undefined ? {} : { category: query.category }).map(toAgentSummary);
    return context.json({ agents });
  });

  app.get('/api/agents/:name', (context) => {
    const agent = findAgent(server, context.req.param('name'));
    return context.json({ agent: { ...toAgentSummary(agent), ...(agent.command === undefined ? {} : { command: agent.command }), ...(agent.maxTurns === undefined ? {} : { maxTurns: agent.maxTurns }), ...(agent.timeoutMs === undefined ? {} : { timeoutMs: agent.timeoutMs }), prompt: agent.prompt } });
  });

  app.post('/api/agents/:name/chat', async (context) => {
    const agent = findAgent(server, context.req.param('name'));
    const body = parseRequest(chatBodySchema, await readJsonBody(context), '');
    takeStart(server, context);
    const reply = await chat(agent.name, body.message, {
      store: server.storePath,
      registry,
      workspaceDir: server.workspaceDir,
      ...(server.agentDirs.length === 0 ? {} : { agentDirs: server.agentDirs }),
      ...(body.model === undefined ? {} : { model: body.model }),
      logger: server.logger,
      signal: context.req.raw.signal,
    });
    return context.json(reply);
  });
}

/** An agent as listings show it: never its environment (it may hold values meant only for the agent). */
function toAgentSummary(agent: AgentDefinition): Record<string, unknown> {
  return {
    name: agent.name,
    description: agent.description,
    category: agent.category,
    runtime: agent.runtime,
    ...(agent.model === undefined ? {} : { model: agent.model }),
    tools: agent.tools,
  };
}

function findAgent(server: ServerContext, name: string): AgentDefinition {
  const agent = server.registry.get(name);
  if (agent !== undefined) return agent;
  const suggestion = suggestName(name, server.registry.list().map((known) => known.name));
  throw new EnsembleError('UNKNOWN_AGENT', `unknown agent "${name}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`, { details: { agentName: name } });
}
