import { afterEach, describe, expect, it, vi } from 'vitest';
import { BudgetLedger } from '../../core/index.js';
import type { ContextEntry, DependencyOutput, TokenUsage } from '../../core/index.js';
import type { AgentInvocation } from '../agent-runtime.js';
import { SIMULATED_LABEL } from './compose-simulated-answer.js';
import { estimateTokens } from '../../context/estimate-tokens.js';
import type { AgentDefinition } from '../registry/parse-agent-definition.js';
import { createSimulatedRuntime } from './simulated-runtime.js';

function agent(name: string, category: string, description = `${name} agent`): AgentDefinition {
  return { name, description, category, runtime: 'llm', tools: [], prompt: `You are the ${name}.`, source: 'builtin', extra: {} };
}

function invocation(definition: AgentDefinition, prompt: string, inputs: readonly DependencyOutput[] = [], context: readonly ContextEntry[] = []): AgentInvocation {
  return {
    agent: definition,
    workspaceDir: '/nonexistent',
    model: 'sonnet',
    request: {
      runId: 'run-1',
      attempt: 1,
      executionId: 'run-1:task-1:1',
      inputs,
      context,
      permissions: 'edit',
      task: { id: 'task-1', agentName: definition.name, description: 'Shopping cart', prompt, dependencies: [], priority: 5 },
    },
  };
}

const PROMPT = 'Add a shopping cart with discount codes and inventory reservation to the checkout service.';
const signal = new AbortController().signal;

afterEach(() => {
  vi.useRealTimers();
});

describe('simulated runtime', () => {
  const runtime = createSimulatedRuntime({ latencyMs: 0 });

  it('labels every output on its first line and reports the simulated model', async () => {
    const outcome = await runtime.run(invocation(agent('analyzer', 'development'), PROMPT), signal);
    expect(outcome.output.split('\n')[0]).toBe(SIMULATED_LABEL);
    expect(outcome.model).toBe('simulated:sonnet');
    expect(outcome.costUsd).toBe(0);
    expect(outcome.evidence).toEqual({ runtime: 'simulated', simulated: true });
  });

  it('is deterministic: the same agent, prompt and inputs give the same output', async () => {
    const inputs = [{ taskId: 'design', agentName: 'designer', output: 'Components: CartService' }];
    const first = await runtime.run(invocation(agent('developer', 'development'), PROMPT, inputs), signal);
    const second = await createSimulatedRuntime({ latencyMs: 0 }).run(invocation(agent('developer', 'development'), PROMPT, inputs), signal);
    expect(second).toEqual(first);
    const otherPrompt = await runtime.run(invocation(agent('developer', 'development'), 'Add wishlists to the storefront.', inputs), signal);
    expect(otherPrompt.output).not.toBe(first.output);
  });

  it('lists the messages the task received, by sender and type, and the other context it was handed; its answer depends on them', async () => {
    const message = { key: 'message:run-1:api:1:m1', relation: 'message', source: 'backend', agentName: 'backend', text: 'Use "/api/v2" for carts.\nMore detail.', treatment: 'whole', tokens: 8, messageType: 'request' } as const;
    const pool: ContextEntry = { key: 'output:docs', relation: 'pool', source: 'docs', agentName: 'writer', text: '# Docs\nThe cart API is documented.', treatment: 'trimmed', tokens: 9 };
    const shared: ContextEntry = { key: 'shared:currency@1', relation: 'shared', source: 'currency', agentName: 'backend', text: 'EUR', treatment: 'whole', tokens: 1 };
    const plain = await runtime.run(invocation(agent('developer', 'development'), PROMPT), signal);
    const withContext = await runtime.run(invocation(agent('developer', 'development'), PROMPT, [], [message, pool, shared]), signal);
    expect(withContext.output).toContain('## Messages received\n\n- from backend (request): "Use \'/api/v2\' for carts."');
    expect(withContext.output).toContain('## Other context considered\n\n- `docs` (writer; pool, trimmed): "The cart API is documented."\n- shared `currency` (set by backend): "EUR"');
    expect(plain.output).not.toContain('## Messages received');
    expect(withContext.usage!.inputTokens).toBeGreaterThan(plain.usage!.inputTokens);
  });

  it('says it follows a person\'s guidance, in one line under the role line, and not again among the other context', async () => {
    const guidance: ContextEntry = {
      key: 'escalation:E-1',
      relation: 'guidance',
      source: 'E-1',
      agentName: 'developer',
      text: 'You escalated: Which store?\nOptions you proposed: (1) SQLite; (2) Redis\nA person answered: Use SQLite,\nnot Redis',
      treatment: 'whole',
      tokens: 20,
    };
    const outcome = await runtime.run(invocation(agent('developer', 'development'), PROMPT, [], [guidance]), signal);
    const lines = outcome.output.split('\n');
    const roleLine = lines.findIndex((line) => line.startsWith('Written in the role of'));
    expect(lines[roleLine + 2]).toBe('Following the guidance: Use SQLite, not Redis');
    expect(outcome.output).not.toContain('## Other context considered');
  });

  it('writes in the voice of the role, from the words of the prompt', async () => {
    const sections: Record<string, readonly string[]> = {
      analyzer: ['## Requirements', '## Risks'],
      designer: ['## Components', '## Interfaces'],
      developer: ['## File plan', '## Code sketch'],
      tester: ['## Test cases', '## Edge cases'],
      reviewer: ['## Findings', '**suggestion**', '## Verdict'],
      'security-auditor': ['## Findings'],
      'docs-architect': ['## Outline'],
      'project-manager': ['## Plan', '## Owners'],
      'devops-troubleshooter': ['## Steps', '## Runbook'],
      helper: ['## Understanding', '## Approach'],
    };
    for (const [name, headings] of Object.entries(sections)) {
      const { output } = await runtime.run(invocation(agent(name, 'general'), PROMPT), signal);
      for (const heading of headings) expect(output, name).toContain(heading);
      expect(output, name).toMatch(/cart|discount|inventory|checkout/);
    }
  });

  it('lists each dependency with an excerpt of its output under "Inputs considered"', async () => {
    const analysis = await runtime.run(invocation(agent('analyzer', 'development'), PROMPT), signal);
    const inputs = [
      { taskId: 'analyze', agentName: 'analyzer', output: analysis.output },
      { taskId: 'notes', agentName: 'helper', output: '\n\n## Heading\nPlain notes about "caching"' },
    ];
    const { output } = await runtime.run(invocation(agent('designer', 'development'), 'Design it.', inputs), signal);
    const section = output.slice(output.indexOf('## Inputs considered'));
    expect(section).toContain('- `analyze` (analyzer): "The request centres on shopping cart, discount code and inventory reservation;');
    expect(section).toContain('- `notes` (helper): "Plain notes about \'caching\'"');
    // The subject carries over from the dependency when the task's own prompt names none.
    expect(output).toContain('Subject: shopping cart; discount code; inventory reservation');
    const alone = await runtime.run(invocation(agent('designer', 'development'), 'Design it.'), signal);
    expect(alone.output).toContain('- none: this task has no dependencies.');
  });

  it('estimates token usage from what was sent and what was written', async () => {
    const inputs = [{ taskId: 'a', agentName: 'analyzer', output: 'x'.repeat(400) }];
    const definition = agent('tester', 'testing');
    const outcome = await runtime.run(invocation(definition, PROMPT, inputs), signal);
    const inputTokens = estimateTokens(`${definition.prompt}\n${PROMPT}\n${'x'.repeat(400)}`);
    const outputTokens = estimateTokens(outcome.output);
    expect(outcome.usage).toEqual({ inputTokens, outputTokens, totalTokens: inputTokens + outputTokens });
  });

  it('never throws for an empty prompt and no description', async () => {
    const outcome = await runtime.run(invocation(agent('x', 'general', ''), ''), signal);
    expect(outcome.output.startsWith(SIMULATED_LABEL)).toBe(true);
  });

  it('waits a deterministic 300-1200 ms by default', async () => {
    vi.useFakeTimers();
    let isDone = false;
    // Without read tools: the Glob and Read of an agent that has them is real I/O, outside the fake clock.
    const running = createSimulatedRuntime()
      .run(invocation({ ...agent('analyzer', 'development'), tools: ['Write'] }, PROMPT), signal)
      .then(() => {
        isDone = true;
      });
    await vi.advanceTimersByTimeAsync(299);
    expect(isDone).toBe(false);
    await vi.advanceTimersByTimeAsync(901);
    expect(isDone).toBe(true);
    await running;
  });

  it('stops waiting when aborted and rejects with the reason', async () => {
    const controller = new AbortController();
    const running = createSimulatedRuntime({ latencyMs: 60_000 }).run(invocation(agent('analyzer', 'development'), PROMPT), controller.signal);
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
  });

  it('issue 6: holds and counts its tokens under a token cap, like any model (--max-tokens 1500 used 5,113)', async () => {
    const definition = agent('developer', 'development');
    const { usage } = await runtime.run(invocation(definition, PROMPT), signal);
    const total = usage!.totalTokens;
    const tight = new BudgetLedger({ run: { tokens: total - 1 } });
    await expect(runtime.run({ ...invocation(definition, PROMPT), budget: tight }, signal)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED', details: { cap: 'run' } });
    expect(await tight.spent('run')).toEqual({ tokens: 0, costUsd: 0 });

    const roomy = new BudgetLedger({ run: { tokens: total * 2 - 1 } });
    const reported: TokenUsage[] = [];
    const withReport = { ...invocation(definition, PROMPT), budget: roomy, reportUsage: (spent: TokenUsage) => void reported.push(spent) };
    const outcome = await runtime.run(withReport, signal);
    // Reported once, through reportUsage, so the outcome does not count it again.
    expect(outcome.usage).toBeUndefined();
    expect(reported).toEqual([usage]);
    expect((await roomy.spent('run')).tokens).toBe(total);
    await expect(runtime.run(withReport, signal)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
  });

  it('rejects invalid options', () => {
    expect(() => createSimulatedRuntime({ latencyMs: -1 })).toThrow(/latencyMs/);
  });
});
