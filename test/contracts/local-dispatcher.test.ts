import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnsembleError } from '../../src/core/index.js';
import { AgentRegistry, LocalDispatcher, type AgentDefinition, type InProcessAgent } from '../../src/agents/index.js';
import { describeTaskDispatcherContract, type ContractAgents, type DispatcherFixture } from './task-dispatcher-contract.js';

function definition(name: string, fields: Partial<AgentDefinition>): AgentDefinition {
  return { name, description: `${name} agent`, category: 'testing', runtime: 'llm', tools: [], prompt: '', source: 'contract test', extra: {}, ...fields };
}

function fixtureOf(agents: ContractAgents, options: { definitions?: AgentDefinition[]; inProcess?: InProcessAgent[]; streamsOutput: boolean; reportsUsage: boolean }): DispatcherFixture {
  const workspace = mkdtempSync(join(tmpdir(), 'ensemble-dispatch-contract-'));
  const registry = new AgentRegistry();
  for (const item of options.definitions ?? []) registry.register(item);
  const dispatcher = new LocalDispatcher({
    registry,
    inProcess: new Map((options.inProcess ?? []).map((agent) => [agent.name, agent])),
    // The default latency (300-1200 ms, seeded per task) outlasts the contract's 100 ms before it aborts `hangs`.
  });
  return {
    dispatcher,
    agents,
    workspace,
    streamsOutput: options.streamsOutput,
    reportsUsage: options.reportsUsage,
    close: () => rmSync(workspace, { recursive: true, force: true }),
  };
}

describeTaskDispatcherContract('LocalDispatcher, in-process agents', () =>
  fixtureOf(
    { answers: 'echo-inputs', hangs: 'waits-forever', fails: 'throws' },
    {
      inProcess: [
        {
          name: 'echo-inputs',
          run: async (_task, context) => {
            context.reportOutput('thinking…');
            context.reportUsage({ inputTokens: 10, outputTokens: 5, totalTokens: 15 }, 0.001);
            return context.inputs.map((input) => input.output).join('\n');
          },
        },
        // Ignores its signal on purpose: the dispatcher must still reject at once on abort.
        { name: 'waits-forever', run: () => new Promise<string>(() => {}) },
        {
          name: 'throws',
          run: () => {
            throw new EnsembleError('AGENT_FAILED', 'the agent gave up');
          },
        },
      ],
      streamsOutput: true,
      reportsUsage: true,
    },
  ),
);

describeTaskDispatcherContract('LocalDispatcher, simulated agents', () =>
  fixtureOf(
    { answers: 'offline', hangs: 'offline-slow', fails: 'missing-runtime' },
    {
      definitions: [
        definition('offline', { runtime: 'simulated' }),
        definition('offline-slow', { runtime: 'simulated' }),
        // A command agent whose program does not exist: the simulated fixture's failing agent.
        definition('missing-runtime', { runtime: 'command', command: ['ensemble-no-such-program-3f9c'] }),
      ],
      streamsOutput: false,
      reportsUsage: true,
    },
  ),
);

describeTaskDispatcherContract('LocalDispatcher, command agents', () =>
  fixtureOf(
    { answers: 'cat-inputs', hangs: 'sleeper', fails: 'exits-3' },
    {
      definitions: [
        definition('cat-inputs', { runtime: 'command', command: ['sh', '-c', 'cat "$ENSEMBLE_INPUTS"'] }),
        definition('sleeper', { runtime: 'command', command: ['sleep', '60'] }),
        definition('exits-3', { runtime: 'command', command: ['sh', '-c', 'echo broken >&2; exit 3'] }),
      ],
      streamsOutput: false,
      reportsUsage: false,
    },
  ),
);
