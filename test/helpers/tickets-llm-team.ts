import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnsembleConfig } from '../../src/config/index.js';
import type { RunEvent } from '../../src/core/index.js';
import type { ChatRequestBody, ChatScriptedPart, OpenAiChatToolServer } from './wire/openai-chat-tool-server.js';

/** The model the scripted OpenAI-compatible server plays. */
export const TICKETS_LLM_MODEL = 'qwen2.5-coder';

/** One scripted conversation: the reply to each request, by how many assistant turns it carries. */
export type TicketScript = readonly (readonly ChatScriptedPart[])[];

/**
 * Writes an `llm` agent definition `name` (tools Read, Write, Edit, Bash; its model on the scripted
 * OpenAI-compatible provider) into `<folder>/agents` and returns that folder.
 */
export function writeLlmTicketAgent(folder: string, name = 'coder'): string {
  const agentsDir = join(folder, 'agents');
  mkdirSync(agentsDir, { recursive: true });
  writeFileSync(
    join(agentsDir, `${name}.md`),
    `---\nname: ${name}\ndescription: Works tickets with the file tools\ntools: Read, Write, Edit, Bash\nmodel: openai-compatible:${TICKETS_LLM_MODEL}\n---\nYou change the code the ticket asks for.\n`,
  );
  return agentsDir;
}

/** Model providers for a run whose model is the scripted server at `baseUrl` (no prices: they are zero). */
export function ticketsLlmConfig(baseUrl: string): EnsembleConfig {
  return {
    provider: 'openai-compatible',
    providers: { 'openai-compatible': { baseURL: baseUrl } },
    model: TICKETS_LLM_MODEL,
    tiers: {},
    costs: { 'openai-compatible:*': { inputPerMillion: 0, outputPerMillion: 0 } },
  };
}

/** A request's messages as one text (what the model was told, tool results included). */
export function promptOf(body: ChatRequestBody): string {
  return JSON.stringify(body.messages);
}

/** The ticket a request works on: the prompt starts `Ticket T-<n>: <title>`. */
export function ticketOfRequest(body: ChatRequestBody): string | undefined {
  return /Ticket (T-\d+):/.exec(promptOf(body))?.[1];
}

/**
 * `turnsFor` of the scripted server: each ticket's own script, picked by the ticket marker in the
 * prompt; `script(ticketId, body)` may pick by more (a person's answer in the prompt).
 */
export function routeByTicket(script: (ticketId: string, body: ChatRequestBody) => TicketScript | undefined): (body: ChatRequestBody) => TicketScript {
  return (body) => {
    const ticketId = ticketOfRequest(body);
    return (ticketId === undefined ? undefined : script(ticketId, body)) ?? [[{ type: 'text', text: `no script for ${ticketId ?? 'a request without a ticket'}` }]];
  };
}

/** The requests the server received for `ticketId`, in order. */
export function requestsFor(server: OpenAiChatToolServer, ticketId: string): ChatRequestBody[] {
  return server.chatRequests().filter((body) => ticketOfRequest(body) === ticketId);
}

/** The tool results (`tool` messages' text) of one request, in order. */
export function toolResultsOf(body: ChatRequestBody): string[] {
  return body.messages.filter((message) => message.role === 'tool').map((message) => textOf(message.content));
}

/** The events of `type`, typed. */
export function eventsOf<T extends RunEvent['type']>(events: readonly RunEvent[], type: T): Extract<RunEvent, { readonly type: T }>[] {
  return events.filter((event): event is Extract<RunEvent, { readonly type: T }> => event.type === type);
}

/** Records, from the events, the largest number of the given tickets running at once (a wait for a person ends a run). */
export function ticketOverlapMeter(ticketIds: readonly string[]): { readonly onEvent: (event: RunEvent) => void; readonly max: () => number } {
  const running = new Set<string>();
  let max = 0;
  return {
    onEvent: (event) => {
      if (!('taskId' in event) || !ticketIds.includes(event.taskId)) return;
      if (event.type === 'task:start') running.add(event.taskId);
      if (event.type === 'task:complete' || event.type === 'task:error' || event.type === 'task:retry' || event.type === 'escalation:open') running.delete(event.taskId);
      max = Math.max(max, running.size);
    },
    max: () => max,
  };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .flatMap((part: unknown) => (typeof part === 'object' && part !== null && 'text' in part && typeof (part as { text: unknown }).text === 'string' ? [(part as { text: string }).text] : []))
    .join('\n');
}
