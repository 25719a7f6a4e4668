import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BudgetLedger, EnsembleError } from '../../src/core/index.js';
import {
  createCommandRuntime,
  createInProcessRuntime,
  createLlmRuntime,
  createSimulatedRuntime,
  type AgentDefinition,
  type AgentRuntime,
  type InProcessAgent,
} from '../../src/agents/index.js';
import { openAiErrorReply, openAiStreamReply, openAiChunk, stalledReply, startProviderServer, type RecordedRequest } from '../helpers/provider-servers.js';
import { describeAgentRuntimeContract, type ContractDefinitions, type RuntimeFixture } from './agent-runtime-contract.js';

function definition(name: string, fields: Partial<AgentDefinition>): AgentDefinition {
  return { name, description: `${name} agent`, category: 'testing', runtime: 'llm', tools: [], prompt: '', source: 'contract test', extra: {}, ...fields };
}

function fixtureOf(
  runtime: AgentRuntime,
  definitions: ContractDefinitions,
  flags: Pick<RuntimeFixture, 'streamsOutput' | 'reportsUsage' | 'invocationExtras'>,
  close?: () => Promise<void>,
): RuntimeFixture {
  const workspace = mkdtempSync(join(tmpdir(), 'ensemble-runtime-contract-'));
  return {
    runtime,
    definitions,
    workspace,
    ...flags,
    close: async () => {
      await close?.();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

describeAgentRuntimeContract('command', () =>
  fixtureOf(
    createCommandRuntime(),
    {
      answers: definition('cat-inputs', { runtime: 'command', command: ['sh', '-c', 'cat "$ENSEMBLE_INPUTS"'] }),
      hangs: definition('sleeper', { runtime: 'command', command: ['sleep', '60'] }),
      fails: definition('exits-3', { runtime: 'command', command: ['sh', '-c', 'echo broken >&2; exit 3'] }),
    },
    { streamsOutput: false, reportsUsage: false },
  ),
);

describeAgentRuntimeContract('simulated', () =>
  fixtureOf(
    // Its default latency (300-1200 ms, seeded per task) outlasts the contract's 100 ms before it aborts `hangs`.
    createSimulatedRuntime(),
    {
      answers: definition('offline', { runtime: 'simulated', model: 'sonnet' }),
      hangs: definition('offline-slow', { runtime: 'simulated', model: 'sonnet' }),
      fails: definition('offline-capped', { runtime: 'simulated', model: 'sonnet' }),
    },
    // A simulated answer fails only when it cannot fit a token cap (its tokens count like any others).
    { streamsOutput: false, reportsUsage: true, invocationExtras: { fails: { budget: new BudgetLedger({ run: { tokens: 1 } }) } } },
  ),
);

const inProcessAgents: InProcessAgent[] = [
  {
    name: 'echo-inputs',
    run: async (_task, context) => {
      context.reportOutput('thinking…');
      context.reportUsage({ inputTokens: 8, outputTokens: 4, totalTokens: 12 }, 0.002);
      return context.inputs.map((input) => input.output).join('\n');
    },
  },
  // Ignores its signal on purpose: the runtime must still reject at once on abort.
  { name: 'waits-forever', run: () => new Promise<string>(() => {}) },
  {
    name: 'throws',
    run: () => {
      throw new EnsembleError('AGENT_FAILED', 'the agent gave up');
    },
  },
];

describeAgentRuntimeContract('in-process', () =>
  fixtureOf(
    createInProcessRuntime(new Map(inProcessAgents.map((agent) => [agent.name, agent]))),
    {
      answers: definition('echo-inputs', { source: 'in-process' }),
      hangs: definition('waits-forever', { source: 'in-process' }),
      fails: definition('throws', { source: 'in-process' }),
    },
    { streamsOutput: true, reportsUsage: true },
  ),
);

/** The user message of an OpenAI chat request (it carries the dependencies' outputs). */
function userMessageOf(request: RecordedRequest): string {
  const messages = (request.body as { messages?: { role: string; content: unknown }[] } | undefined)?.messages ?? [];
  const user = messages.filter((message) => message.role === 'user').at(-1)?.content;
  return typeof user === 'string' ? user : JSON.stringify(user ?? '');
}

describeAgentRuntimeContract('llm (OpenAI protocol on a loopback server)', async () => {
  const server = await startProviderServer();
  // One server, three behaviours, told apart by the model the request names.
  server.setDefault((request, response) => {
    const model = (request.body as { model?: unknown } | undefined)?.model;
    if (model === 'contract-hangs') return stalledReply(openAiChunk('contract-hangs', { role: 'assistant', content: 'Partial ' }, null))(request, response);
    if (model === 'contract-fails') return openAiErrorReply(400, 'this model refuses every request')(request, response);
    return openAiStreamReply({ model: String(model), chunks: ['Echo: ', userMessageOf(request)], inputTokens: 40, outputTokens: 12 })(request, response);
  });
  const runtime = createLlmRuntime({ provider: 'openai', providers: { openai: { apiKey: 'sk-contract', baseURL: `${server.url}/v1` } }, outputIntervalMs: 0 });
  return fixtureOf(
    runtime,
    {
      answers: definition('echo-model', { model: 'openai:contract-answers' }),
      hangs: definition('stalled-model', { model: 'openai:contract-hangs' }),
      fails: definition('refusing-model', { model: 'openai:contract-fails' }),
    },
    { streamsOutput: true, reportsUsage: true },
    () => server.close(),
  );
});
