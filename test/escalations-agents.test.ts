import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent, RunOutcome } from '../src/core/index.js';
import { AgentOrchestrator } from '../src/orchestrator/index.js';
import type { OrchestratorConfig } from '../src/orchestrator/index.js';
import { startOpenAiChatToolServer } from './helpers/wire/openai-chat-tool-server.js';
import type { ChatRequestBody, OpenAiChatToolServer } from './helpers/wire/openai-chat-tool-server.js';

// Issue 10: what agents see of escalations. An agent asks a person (the Escalate tool, or an
// <ESCALATE> block in its output); its task waits; the answer reaches its next attempt.

/** Every test is bounded: an escalation that never opens fails here instead of holding the suite. */
const TEST_TIMEOUT_MS = 30_000;
const OPEN_WAIT_MS = 20_000;

let folder: string;
let agentsDir: string;
let server: OpenAiChatToolServer | undefined;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'ensemble-escalations-agents-'));
  agentsDir = join(folder, 'agents');
  mkdirSync(agentsDir);
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(folder, { recursive: true, force: true });
});

type OpenEvent = Extract<RunEvent, { readonly type: 'escalation:open' }>;

interface Harness {
  readonly orchestrator: AgentOrchestrator;
  readonly events: RunEvent[];
  /** Resolves with the first `escalation:open`; rejects after {@link OPEN_WAIT_MS}. */
  readonly opened: Promise<OpenEvent>;
}

function orchestrate(config: OrchestratorConfig = {}): Harness {
  const orchestrator = new AgentOrchestrator({ store: join(folder, 'journal.db'), agentDirs: [agentsDir], workspaceDir: folder, maxParallelAgents: 2, ...config });
  const events: RunEvent[] = [];
  orchestrator.on('*', (event: RunEvent) => void events.push(event));
  const opened = new Promise<OpenEvent>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no escalation:open within the wait')), OPEN_WAIT_MS);
    timer.unref();
    orchestrator.on('escalation:open', (event: OpenEvent) => {
      clearTimeout(timer);
      resolve(event);
    });
  });
  return { orchestrator, events, opened };
}

function ofType<T extends RunEvent['type']>(events: readonly RunEvent[], type: T): Extract<RunEvent, { readonly type: T }>[] {
  return events.filter((event): event is Extract<RunEvent, { readonly type: T }> => event.type === type);
}

/** Waits for the escalation, checks the task waits, answers it, and returns the run's outcome. */
async function answerWhenOpen(harness: Harness, run: Promise<RunOutcome>, taskId: string, guidance: string): Promise<{ readonly open: OpenEvent; readonly outcome: RunOutcome }> {
  let open: OpenEvent;
  try {
    open = await harness.opened;
  } catch (error) {
    harness.orchestrator.cancel('test: no escalation');
    await run;
    throw error;
  }
  expect(harness.orchestrator.taskStatus(taskId)).toBe('waiting');
  // Waiting: the attempt ended without a terminal event.
  expect(harness.events.filter((event) => (event.type === 'task:complete' || event.type === 'task:error') && event.taskId === taskId)).toEqual([]);
  expect(harness.orchestrator.answerEscalation(open.escalationId, guidance, 'tester')).toBe(true);
  return { open, outcome: await run };
}

const promptOf = (body: ChatRequestBody): string => JSON.stringify(body.messages);

describe('agents escalate to a person (issue 10)', () => {
  it('an llm agent calls Escalate: the attempt ends at once, the task waits with an escalation:open, and the answer reaches its next attempt', { timeout: TEST_TIMEOUT_MS }, async () => {
    server = await startOpenAiChatToolServer({
      models: ['qwen2.5-coder'],
      turns: [[{ type: 'text', text: 'unused' }]],
      turnsFor: (body) =>
        promptOf(body).includes('A person answered')
          ? [[{ type: 'text', text: 'Stored sessions in SQLite, as told.' }]]
          : [
              [
                {
                  type: 'tool_call',
                  name: 'Escalate',
                  arguments: { reason: 'Where should sessions live?', triggerType: 'architecture', context: 'Read src/session.ts; both fit.', options: ['SQLite', 'Redis'], deadlineMinutes: 60 },
                },
                // Never run: the escalation ends the attempt before it.
                { type: 'tool_call', name: 'Read', arguments: { file_path: 'missing.txt' } },
              ],
            ],
    });
    writeFileSync(join(agentsDir, 'architect.md'), '---\nname: architect\ndescription: Designs\ntools: Read\n---\nYou design.\n');
    const harness = orchestrate({
      ensembleConfig: { provider: 'openai-compatible', providers: { 'openai-compatible': { baseURL: server.baseUrl } }, model: 'qwen2.5-coder', tiers: {}, costs: { 'openai-compatible:*': { inputPerMillion: 0, outputPerMillion: 0 } } },
    });
    harness.orchestrator.addTasks([{ id: 'design', agentName: 'architect', prompt: 'Add sessions' }]);
    const run = harness.orchestrator.execute();
    const { open, outcome } = await answerWhenOpen(harness, run, 'design', 'Use SQLite');
    expect(open).toMatchObject({
      taskId: 'design',
      agentName: 'architect',
      attempt: 1,
      triggerType: 'architecture',
      reason: 'Where should sessions live?',
      context: 'Read src/session.ts; both fit.',
      options: ['SQLite', 'Redis'],
      deadlineAt: expect.any(Number),
    });
    // The escalating call is a successful tool call, and the one after it never ran.
    const toolEnds = ofType(harness.events, 'agent:tool').filter((event) => event.state === 'end');
    expect(toolEnds.map((event) => [event.tool, event.ok])).toEqual([['Escalate', true]]);
    expect(toolEnds[0]?.input).toBe('architecture: Where should sessions live?');
    expect(outcome.status).toBe('succeeded');
    expect(outcome.results.find((result) => result.taskId === 'design')?.output).toBe('Stored sessions in SQLite, as told.');
    const requests = server.chatRequests();
    // One request escalated (Escalate offered beside Read), one more after the answer.
    expect(requests).toHaveLength(2);
    expect(requests[0]?.tools).toEqual(['Read', 'Escalate']);
    expect(promptOf(requests[1]!)).toContain('Guidance from a person, answering your escalation');
    expect(promptOf(requests[1]!)).toContain('A person answered: Use SQLite');
  });

  it('a command agent prints an <ESCALATE> block: the task waits with the same escalation:open, and its next prompt carries the guidance', { timeout: TEST_TIMEOUT_MS }, async () => {
    const program = [
      "const prompt = process.env.ENSEMBLE_PROMPT ?? '';",
      "if (prompt.includes('## Guidance from a person')) { console.log('followed: ' + prompt.split('\\n').filter((line) => line.startsWith('A person answered')).join(' ')); }",
      "else { console.log('Looked at the schema.\\n<ESCALATE reason=\"Drop the &quot;legacy&quot; table?\" type=\"data\" default=\"keep it\">\\n- drop it\\n- keep it\\nIt holds 3 years of rows.\\n</ESCALATE>'); }",
    ].join('\n');
    writeFileSync(join(agentsDir, 'migrator.md'), `---\nname: migrator\ndescription: Migrates\nruntime: command\ncommand: ${JSON.stringify([process.execPath, '-e', program])}\n---\n`);
    const harness = orchestrate();
    harness.orchestrator.addTasks([{ id: 'migrate', agentName: 'migrator', prompt: 'Clean up the schema' }]);
    const run = harness.orchestrator.execute();
    const { open, outcome } = await answerWhenOpen(harness, run, 'migrate', 'Keep it for now');
    expect(open).toMatchObject({
      taskId: 'migrate',
      triggerType: 'data',
      reason: 'Drop the "legacy" table?',
      context: 'It holds 3 years of rows.',
      options: ['drop it', 'keep it'],
      defaultAction: 'keep it',
    });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.results.find((result) => result.taskId === 'migrate')?.output?.trim()).toBe('followed: A person answered: Keep it for now');
  });

  it('a malformed <ESCALATE> block is a run:warning and the task succeeds as written', { timeout: TEST_TIMEOUT_MS }, async () => {
    const harness = orchestrate();
    // Nobody waits on the promise of an escalation that never opens.
    harness.opened.catch(() => undefined);
    harness.orchestrator.registerAgent({ name: 'vague', run: () => 'done\n<ESCALATE type="data">\n- a\n</ESCALATE>' });
    harness.orchestrator.addTasks([{ id: 'work', agentName: 'vague' }]);
    const outcome = await harness.orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    expect(ofType(harness.events, 'escalation:open')).toEqual([]);
    expect(ofType(harness.events, 'run:warning').map((event) => event.message)).toEqual([expect.stringContaining('escalation 1: missing reason=')]);
  });
});
