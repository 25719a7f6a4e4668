import type { Hono } from 'hono';
import type { z } from 'zod';
import type { AgentOrchestrator } from '../../orchestrator/index.js';
import { consultRequestSchema, meetingRequestSchema, prepareConsultation, prepareMeeting, type ConversationOptions } from '../../meetings/index.js';
import { checkingBody, parseRequest } from '../error-response.js';
import { readJsonBody, respondToStart, takeStart, type ServerContext } from '../server-context.js';

/** `POST /api/consultations` and `POST /api/meetings`: answered like an execute (SSE, or 202 JSON). */
export function addConversationRoutes(app: Hono, server: ServerContext): void {
  const options = (): ConversationOptions => {
    const { store, registry, ensembleConfig, workspaceDir, agentDirs, logger, simulatedLatencyMs } = server.runs.baseConfig();
    return {
      ...(store === undefined || store === false ? {} : { store }),
      ...(registry === undefined ? {} : { registry }),
      ...(workspaceDir === undefined ? {} : { workspaceDir }),
      ...(agentDirs === undefined ? {} : { agentDirs }),
      ...(simulatedLatencyMs === undefined ? {} : { simulatedLatencyMs }),
      ...(logger === undefined ? {} : { logger }),
      ...(ensembleConfig === undefined ? {} : { config: { ensembleConfig } }),
    };
  };

  // The request is checked (bad fields, unknown agents: 400) before the client's allowance is taken.
  const addRoute = <Body>(path: string, schema: z.ZodType<Body>, prepare: (body: Body, options: ConversationOptions) => { readonly orchestrator: AgentOrchestrator; run(): Promise<unknown> }): void => {
    app.post(path, async (context) => {
      const body = parseRequest(schema, await readJsonBody(context), '');
      const prepared = await checkingBody(() => prepare(body, options()));
      takeStart(server, context);
      const started = await checkingBody(() => server.runs.launch(prepared.orchestrator, () => prepared.run()));
      return respondToStart(server, context, started);
    });
  };
  addRoute('/api/consultations', consultRequestSchema, prepareConsultation);
  addRoute('/api/meetings', meetingRequestSchema, prepareMeeting);
}
