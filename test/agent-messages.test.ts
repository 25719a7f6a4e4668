import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContextEntry, RunEvent } from '../src/core/index.js';
import { AgentOrchestrator } from '../src/orchestrator/index.js';
import { openRunStore } from '../src/store/index.js';
import { toSharedContextHistory } from '../src/bus/index.js';
import type { OrchestratorConfig } from '../src/orchestrator/index.js';
import { startOpenAiChatToolServer } from './helpers/wire/openai-chat-tool-server.js';
import type { ChatRequestBody, OpenAiChatToolServer } from './helpers/wire/openai-chat-tool-server.js';

/** Every test is bounded: a message that never arrives fails here instead of holding the suite. */
const TEST_TIMEOUT_MS = 30_000;

let folder: string;
let agentsDir: string;
let db: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'ensemble-agent-messages-'));
  agentsDir = join(folder, 'agents');
  mkdirSync(agentsDir);
  db = join(folder, 'journal.db');
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** An orchestrator journaling into a real SQLite file, with the test's agent folder, collecting every event. */
function orchestrate(config: OrchestratorConfig = {}): { readonly orchestrator: AgentOrchestrator; readonly events: RunEvent[]; readonly warnings: string[] } {
  const warnings: string[] = [];
  const orchestrator = new AgentOrchestrator({ store: db, agentDirs: [agentsDir], workspaceDir: folder, maxParallelAgents: 4, onWarning: (message) => warnings.push(message), ...config });
  const events: RunEvent[] = [];
  orchestrator.on('*', (event) => events.push(event));
  return { orchestrator, events, warnings };
}

function journaled(runId: string): RunEvent[] {
  const store = openRunStore(db);
  try {
    return store.readEvents(runId);
  } finally {
    store.close();
  }
}

function ofType<T extends RunEvent['type']>(events: readonly RunEvent[], type: T): Extract<RunEvent, { readonly type: T }>[] {
  return events.filter((event): event is Extract<RunEvent, { readonly type: T }> => event.type === type);
}

/** A `command` agent running `node -e <program>`. */
function writeCommandAgent(name: string, program: string): void {
  writeFileSync(join(agentsDir, `${name}.md`), `---\nname: ${name}\ndescription: test agent ${name}\nruntime: command\ncommand: ${JSON.stringify([process.execPath, '-e', program])}\n---\n`);
}

describe('agent messages through a run (issue 8)', () => {
  it('journals a malformed <AGENT_MESSAGE> as a run:warning, sends nothing, and the task succeeds without the tag', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { orchestrator } = orchestrate();
    orchestrator.registerAgent({ name: 'sloppy', run: () => 'answer\n<AGENT_MESSAGE>no recipient</AGENT_MESSAGE>' });
    orchestrator.addTasks([{ id: 'talk', agentName: 'sloppy' }]);
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    expect(outcome.results[0]?.output).toBe('answer');
    const events = journaled(outcome.runId);
    expect(ofType(events, 'agent:message')).toHaveLength(0);
    expect(ofType(events, 'run:warning')).toMatchObject([{ code: 'MESSAGE_MALFORMED', taskId: 'talk', agentName: 'sloppy' }]);
  });

  it('an in-process agent sends; a later task receives it in ctx.context and ctx.bus.messages(); the journal has it', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { orchestrator } = orchestrate();
    let received: { context: readonly ContextEntry[]; messages: string[] } | undefined;
    orchestrator.registerAgent({
      name: 'architect',
      run: (_task, context) => {
        const sent = context.bus.send({ to: 'frontend', content: 'Use /api/v2 for todos.' });
        context.shared.update('api-base', '/api/v2');
        return sent.ok ? 'designed' : `not sent: ${sent.reason}`;
      },
    });
    orchestrator.registerAgent({
      name: 'frontend',
      run: (_task, context) => {
        received = { context: context.context, messages: context.bus.messages().map((message) => `${message.from}: ${message.content}`) };
        return `built against ${context.shared.get('api-base') ?? 'nothing'}`;
      },
    });
    orchestrator.addTasks([
      { id: 'design', agentName: 'architect' },
      { id: 'ui', agentName: 'frontend', dependencies: ['design'] },
    ]);
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    expect(outcome.results.map((result) => result.output)).toEqual(['designed', 'built against /api/v2']);
    expect(received?.messages).toEqual(['architect: Use /api/v2 for todos.']);
    expect(received?.context.filter((entry) => entry.relation === 'message')).toEqual([
      expect.objectContaining({ relation: 'message', agentName: 'architect', text: 'Use /api/v2 for todos.' }),
    ]);
    const events = journaled(orchestrator.runId!);
    expect(ofType(events, 'agent:message')).toEqual([
      expect.objectContaining({ taskId: 'design', from: 'architect', to: 'frontend', messageType: 'data', content: 'Use /api/v2 for todos.', messageId: expect.any(String), attempt: 1 }),
    ]);
    expect(toSharedContextHistory(events).get('api-base')).toEqual([expect.objectContaining({ value: '/api/v2', version: 1, agentName: 'architect', taskId: 'design' })]);
  });

  it('a command agent reads $ENSEMBLE_MESSAGES while it runs and sees a message a concurrent task sent', { timeout: TEST_TIMEOUT_MS }, async () => {
    // Polls its message file every 20 ms for at most 10 s, then prints what it found.
    writeCommandAgent(
      'listener',
      `const { readFileSync } = require('node:fs');
const deadline = Date.now() + 10000;
const poll = () => {
  const lines = readFileSync(process.env.ENSEMBLE_MESSAGES, 'utf8').split('\\n').filter(Boolean).map((line) => JSON.parse(line));
  const found = lines.find((message) => message.content.startsWith('ping'));
  if (found !== undefined) return process.stdout.write('heard ' + found.from + ': ' + found.content);
  if (Date.now() > deadline) return process.stdout.write('heard nothing');
  setTimeout(poll, 20);
};
poll();`,
    );
    const { orchestrator } = orchestrate();
    const listenerStarted = new Promise<void>((resolve) => orchestrator.on('agent:process', (event) => event.taskId === 'listen' && event.state === 'started' && resolve()));
    orchestrator.registerAgent({
      name: 'talker',
      run: async (_task, context) => {
        // Sent only once the listener runs, so the message can reach it only through the live file.
        await listenerStarted;
        const sent = context.bus.send({ to: 'listener', content: 'ping from a concurrent task' });
        return sent.ok ? 'talked' : sent.reason;
      },
    });
    orchestrator.addTasks([
      { id: 'listen', agentName: 'listener' },
      { id: 'talk', agentName: 'talker' },
    ]);
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    expect(outcome.results.find((result) => result.taskId === 'listen')?.output).toBe('heard talker: ping from a concurrent task');
  });

  it('an unknown recipient is a run:warning, and the run succeeds; the tag leaves the output either way', { timeout: TEST_TIMEOUT_MS }, async () => {
    writeCommandAgent('shouter', `process.stdout.write('done\\n<AGENT_MESSAGE to="nobody-here">hello?</AGENT_MESSAGE>\\n<AGENT_MESSAGE to="*">all hands</AGENT_MESSAGE>\\n')`);
    const { orchestrator, events } = orchestrate();
    orchestrator.addTasks([{ id: 'shout', agentName: 'shouter' }]);
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    expect(outcome.results[0]?.output).toBe('done\n');
    const warnings = ofType(events, 'run:warning');
    expect(warnings).toEqual([expect.objectContaining({ code: 'MESSAGE_UNKNOWN_RECIPIENT', taskId: 'shout', message: expect.stringContaining('"nobody-here"') })]);
    expect(ofType(journaled(orchestrator.runId!), 'run:warning')).toHaveLength(1);
    expect(ofType(events, 'agent:message').map((event) => [event.to, event.messageType, event.content])).toEqual([['*', 'broadcast', 'all hands']]);
  });

  it('refuses messages over the per-task count and size limits with run:warning, and the task still succeeds', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { orchestrator, events } = orchestrate();
    const results: boolean[] = [];
    orchestrator.registerAgent({
      name: 'chatty',
      run: (_task, context) => {
        results.push(context.bus.send({ to: 'quiet', content: 'x'.repeat(16_001) }).ok);
        for (let index = 0; index < 21; index++) results.push(context.bus.send({ to: 'quiet', content: `note ${index}` }).ok);
        return 'chatted';
      },
    });
    orchestrator.registerAgent({ name: 'quiet', run: () => 'quiet' });
    orchestrator.addTasks([
      { id: 'chat', agentName: 'chatty' },
      { id: 'listen', agentName: 'quiet', dependencies: ['chat'] },
    ]);
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    expect(results).toEqual([false, ...Array.from({ length: 20 }, () => true), false]);
    expect(ofType(events, 'agent:message')).toHaveLength(20);
    expect(ofType(events, 'run:warning').map((warning) => warning.code)).toEqual(['MESSAGE_LIMIT', 'MESSAGE_LIMIT']);
  });

  it('a simulated agent mentions the message it received; with communication off, tags stay in outputs and nothing is sent', { timeout: TEST_TIMEOUT_MS }, async () => {
    writeCommandAgent('announcer', `process.stdout.write('<AGENT_MESSAGE to="reviewer" type="request">Check the cart totals first.</AGENT_MESSAGE>\\nannounced')`);
    writeFileSync(join(agentsDir, 'reviewer.md'), '---\nname: reviewer\ndescription: Reviews code\nruntime: simulated\n---\nReview.\n');
    const tasks = [
      { id: 'announce', agentName: 'announcer' },
      { id: 'review', agentName: 'reviewer', prompt: 'Review the cart', dependencies: ['announce'] },
    ];
    const on = orchestrate({ simulatedLatencyMs: 0 });
    on.orchestrator.addTasks(tasks);
    const outcome = await on.orchestrator.execute();
    expect(outcome.results.find((result) => result.taskId === 'announce')?.output).toBe('announced');
    expect(outcome.results.find((result) => result.taskId === 'review')?.output).toContain('## Messages received\n\n- from announcer (request): "Check the cart totals first."');

    const off = orchestrate({ simulatedLatencyMs: 0, enableCommunication: false });
    off.orchestrator.addTasks(tasks);
    const quiet = await off.orchestrator.execute();
    expect(quiet.results.find((result) => result.taskId === 'announce')?.output).toContain('<AGENT_MESSAGE to="reviewer"');
    expect(quiet.results.find((result) => result.taskId === 'review')?.output).not.toContain('Messages received');
    expect(ofType(off.events, 'agent:message')).toEqual([]);
  });
});

describe('SendMessage, the tool of llm agents, at the wire (issue 8)', () => {
  let server: OpenAiChatToolServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const isTalker = (body: ChatRequestBody): boolean => JSON.stringify(body.messages).includes('Tell the listener');

  it('the model calls SendMessage, is answered with the message id, the journal has the agent:message, and the next task receives it', { timeout: TEST_TIMEOUT_MS }, async () => {
    server = await startOpenAiChatToolServer({
      models: ['qwen2.5-coder'],
      turns: [[{ type: 'text', text: 'ok' }]],
      turnsFor: (body) =>
        isTalker(body)
          ? [[{ type: 'tool_call', name: 'SendMessage', arguments: { recipient: 'listener', content: 'use port 8080', type: 'message' } }], [{ type: 'text', text: 'told the listener' }]]
          : [[{ type: 'text', text: 'listened' }]],
    });
    writeFileSync(join(agentsDir, 'talker.md'), '---\nname: talker\ndescription: Talks\ntools: Read, SendMessage\n---\nYou talk.\n');
    writeFileSync(join(agentsDir, 'quiet.md'), '---\nname: quiet\ndescription: Reads only\ntools: Read\n---\nYou read.\n');
    const { orchestrator, events } = orchestrate({
      ensembleConfig: { provider: 'openai-compatible', providers: { 'openai-compatible': { baseURL: server.baseUrl } }, model: 'qwen2.5-coder', tiers: {}, costs: {} },
    });
    let heard: readonly ContextEntry[] = [];
    orchestrator.registerAgent({
      name: 'listener',
      run: (_task, context) => {
        heard = context.context;
        return 'heard';
      },
    });
    orchestrator.addTasks([
      { id: 'talk', agentName: 'talker', prompt: 'Tell the listener the port' },
      { id: 'read', agentName: 'quiet', prompt: 'Read nothing' },
      { id: 'listen', agentName: 'listener', dependencies: ['talk'] },
    ]);
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    const messages = ofType(journaled(orchestrator.runId!), 'agent:message');
    expect(messages).toEqual([expect.objectContaining({ taskId: 'talk', from: 'talker', to: 'listener', messageType: 'data', content: 'use port 8080' })]);
    expect(server.toolResults()).toEqual([{ toolCallId: expect.any(String), content: `sent data message ${messages[0]!.messageId} to listener` }]);
    expect(heard.filter((entry) => entry.relation === 'message').map((entry) => entry.text)).toEqual(['use port 8080']);
    // Offered to the agent that names it; not to one whose explicit list leaves it out.
    const offered = server.chatRequests().map((body) => ({ isTalker: isTalker(body), tools: body.tools }));
    expect(offered.find((request) => request.isTalker)?.tools).toEqual(['Read', 'SendMessage', 'Escalate']);
    expect(offered.find((request) => !request.isTalker)?.tools).toEqual(['Read', 'Escalate']);
    expect(ofType(events, 'agent:tool').filter((event) => event.tool === 'SendMessage' && event.state === 'end')).toEqual([
      expect.objectContaining({ taskId: 'talk', ok: true, input: 'listener: use port 8080' }),
    ]);
  });
});
