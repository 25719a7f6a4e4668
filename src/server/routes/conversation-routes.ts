import type { Hono } from 'hono';
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

  app.post('/api/consultations', async (context) => {
    const body = parseRequest(consultRequestSchema, await readJsonBody(context), '');
    // The request is checked (unknown agents, bad fields: 400) before the client's allowance is taken.
    const prepared = await checkingBody(() => prepareConsultation(body, options()));
    takeStart(server, context);
    const started = await checkingBody(() => server.runs.launch(prepared.orchestrator, () => prepared.run()));
    return respondToStart(server, context, started);
  });

  app.post('/api/meetings', async (context) => {
    const body = parseRequest(meetingRequestSchema, await readJsonBody(context), '');
    const prepared = await checkingBody(() => prepareMeeting(body, options()));
    takeStart(server, context);
    const started = await checkingBody(() => server.runs.launch(prepared.orchestrator, () => prepared.run()));
    return respondToStart(server, context, started);
  });
}
