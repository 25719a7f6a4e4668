import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent, RunOutcome } from '../src/core/index.js';
import { prepareTicketRun, type TicketRun } from '../src/orchestrator/index.js';
import { openRunStore, type RunStore } from '../src/store/index.js';
import { gitIn, makeTicketRepository } from './helpers/git-ticket-repo.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';
import { eventsOf, promptOf, requestsFor, routeByTicket, ticketOverlapMeter, ticketsLlmConfig, toolResultsOf, writeLlmTicketAgent, type TicketScript } from './helpers/tickets-llm-team.js';
import { startOpenAiChatToolServer, type ChatRequestBody, type OpenAiChatToolServer } from './helpers/wire/openai-chat-tool-server.js';

// Issue 10, test item 7: `llm` agents using the real file tools in a `locks` ticket run. Their model
// is a loopback server speaking OpenAI Chat Completions with scripted tool calls, one script per
// ticket (picked by the `Ticket T-<n>:` marker in the prompt).

/** Every test is bounded: a run that never ends fails here instead of holding the suite. */
const TEST_TIMEOUT_MS = 60_000;
/** How long a test waits for something the run does (an escalation, a ticket status). */
const WAIT_MS = 20_000;

let temp: TempFolder;
let repo: string;
let agentsDir: string;
let storePath: string;
let store: RunStore;
let server: OpenAiChatToolServer | undefined;

beforeEach(() => {
  temp = createTempFolder('ensemble-tickets-llm-');
  repo = makeTicketRepository(join(temp.folder, 'repo'), { 'src/a.ts': 'export const a = 1;\n', 'src/b.ts': 'export const b = 2;\n', 'README.md': '# demo\n' });
  agentsDir = writeLlmTicketAgent(temp.folder);
  storePath = join(temp.folder, 'data', 'ensemble.db');
  store = openRunStore(storePath);
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  store.close();
  temp.remove();
});

const TEAM = [
  { member: 'coder-1', agentName: 'coder' },
  { member: 'coder-2', agentName: 'coder' },
];

/** Starts the scripted model and prepares a `locks` run of the queued tickets with the two-member team, every event recorded. */
async function prepare(script: (ticketId: string, body: ChatRequestBody) => TicketScript | undefined): Promise<{ readonly run: TicketRun; readonly events: RunEvent[] }> {
  server = await startOpenAiChatToolServer({ turns: [[{ type: 'text', text: 'unused' }]], turnsFor: routeByTicket(script) });
  const run = await prepareTicketRun(
    { storePath, workspaceDir: repo, agentDirs: [agentsDir], orchestrator: { ensembleConfig: ticketsLlmConfig(server.baseUrl), permissions: 'full', onWarning: () => {} } },
    { mode: 'locks', team: TEAM },
  );
  const events: RunEvent[] = [];
  run.orchestrator.on('*', (event: RunEvent) => void events.push(event));
  return { run, events };
}

/** The files a commit changed. */
const filesOf = (commit: string): string[] => gitIn(repo, 'show', '--name-only', '--format=', commit).split('\n').filter((line) => line !== '');

/** The commit journaled for `ticketId` (the last one). */
function commitOf(events: readonly RunEvent[], ticketId: string): string {
  const committed = eventsOf(events, 'ticket:committed').filter((event) => event.ticketId === ticketId);
  expect(committed.length).toBeGreaterThan(0);
  return committed.at(-1)!.commit;
}

/** Polls `probe` every 50 ms until it returns a value, at most {@link WAIT_MS}. */
async function waitFor<T>(probe: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (let round = 0; round < WAIT_MS / 50 + 1; round++) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`);
}

/** Every lease is gone and each ticket is done, in the store the run shares with the test. */
function expectAllDoneAndReleased(ticketCount: number): void {
  expect(store.codebase.listLeases(Date.now())).toEqual([]);
  expect(store.codebase.listTickets().map((ticket) => ticket.status)).toEqual(Array.from({ length: ticketCount }, () => 'done'));
  expect(gitIn(repo, 'status', '--porcelain')).toBe('');
}

const write = (path: string, content: string): TicketScript[number] => [{ type: 'tool_call', name: 'Write', arguments: { file_path: path, content } }];
const say = (text: string): TicketScript[number] => [{ type: 'text', text }];

describe('tickets run with llm agents using the real tools (locks)', () => {
  it('a Write outside the ticket\'s leases is refused, the model reads the refusal, a lease:refused is journaled, and the commit holds only its own file', { timeout: TEST_TIMEOUT_MS }, async () => {
    store.codebase.addTicket({ title: 'Change a', files: ['src/a.ts'], priority: 9 }, Date.now());
    store.codebase.addTicket({ title: 'Change b', files: ['src/b.ts'], priority: 8 }, Date.now());
    const { run, events } = await prepare((ticketId) =>
      ticketId === 'T-1'
        ? [write('src/b.ts', 'export const b = "from T-1";\n'), write('src/a.ts', 'export const a = "from T-1";\n'), say('Changed src/a.ts.')]
        : [write('src/b.ts', 'export const b = "from T-2";\n'), say('Changed src/b.ts.')],
    );
    const outcome = await run.start();
    expect(outcome.status).toBe('succeeded');
    // The refusal is the tool result of the model's next request.
    const [, second] = requestsFor(server!, 'T-1');
    expect(second).toBeDefined();
    expect(toolResultsOf(second!)[0]).toMatch(/^"src\/b\.ts" is not written: .*src\/b\.ts.*; ask for it with the RequestLease tool or escalate with the Escalate tool$/);
    // Journaled: the refusal, for T-1's attempt, naming the tool and path.
    const refused = store.readEvents(outcome.runId).filter((event) => event.type === 'lease:refused');
    expect(refused).toEqual([expect.objectContaining({ taskId: 'T-1', tool: 'Write', path: 'src/b.ts', attempt: 1 })]);
    // Only T-1's own file is in its commit; src/b.ts is T-2's.
    expect(filesOf(commitOf(events, 'T-1'))).toEqual(['src/a.ts']);
    expect(filesOf(commitOf(events, 'T-2'))).toEqual(['src/b.ts']);
    expect(readFileSync(join(repo, 'src/a.ts'), 'utf8')).toBe('export const a = "from T-1";\n');
    expect(readFileSync(join(repo, 'src/b.ts'), 'utf8')).toBe('export const b = "from T-2";\n');
    expectAllDoneAndReleased(2);
  });

  it('RequestLease for a free path is granted (lease:acquired), the write goes through, the commit includes it, and every lease is released', { timeout: TEST_TIMEOUT_MS }, async () => {
    store.codebase.addTicket({ title: 'Change a and add c', files: ['src/a.ts'], priority: 9 }, Date.now());
    store.codebase.addTicket({ title: 'Change b', files: ['src/b.ts'], priority: 8 }, Date.now());
    const { run, events } = await prepare((ticketId) =>
      ticketId === 'T-1'
        ? [
            [{ type: 'tool_call', name: 'RequestLease', arguments: { paths: ['src/c.ts'] } }],
            write('src/c.ts', 'export const c = 3;\n'),
            write('src/a.ts', 'export const a = "from T-1";\n'),
            say('Added src/c.ts and changed src/a.ts.'),
          ]
        : [write('src/b.ts', 'export const b = "from T-2";\n'), say('Changed src/b.ts.')],
    );
    const outcome = await run.start();
    expect(outcome.status).toBe('succeeded');
    const [, afterRequest] = requestsFor(server!, 'T-1');
    expect(toolResultsOf(afterRequest!)[0]).toBe('granted: src/c.ts. You now hold: src/a.ts, src/c.ts');
    const acquired = eventsOf(events, 'lease:acquired').filter((event) => event.taskId === 'T-1');
    expect(acquired.map((event) => event.paths)).toEqual([['src/a.ts'], ['src/c.ts']]);
    expect(filesOf(commitOf(events, 'T-1')).sort()).toEqual(['src/a.ts', 'src/c.ts']);
    expect(readFileSync(join(repo, 'src/c.ts'), 'utf8')).toBe('export const c = 3;\n');
    const released = eventsOf(events, 'lease:released').filter((event) => event.taskId === 'T-1');
    expect(released).toEqual([expect.objectContaining({ reason: 'commit', paths: expect.arrayContaining(['src/a.ts', 'src/c.ts']) })]);
    expect(eventsOf(events, 'lease:refused')).toEqual([]);
    expectAllDoneAndReleased(2);
  });

  it('Escalate makes the ticket wait; an answer given through the store reaches the agent, which finishes', { timeout: TEST_TIMEOUT_MS }, async () => {
    store.codebase.addTicket({ title: 'Pick a cache', files: ['src/a.ts'], priority: 9 }, Date.now());
    store.codebase.addTicket({ title: 'Change b', files: ['src/b.ts'], priority: 8 }, Date.now());
    const { run, events } = await prepare((ticketId, body) => {
      if (ticketId === 'T-2') return [write('src/b.ts', 'export const b = "from T-2";\n'), say('Changed src/b.ts.')];
      if (promptOf(body).includes('A person answered')) return [write('src/a.ts', 'export const a = "option 2";\n'), say('Used option 2.')];
      return [[{ type: 'tool_call', name: 'Escalate', arguments: { reason: 'Which cache?', triggerType: 'architecture', context: 'Read src/a.ts.', options: ['option 1', 'option 2'] } }]];
    });
    const running = run.start();
    let outcome: RunOutcome | undefined;
    try {
      const open = await waitFor(() => eventsOf(events, 'escalation:open')[0], 'escalation:open');
      expect(open).toMatchObject({ taskId: 'T-1', ticketId: 'T-1', member: expect.stringMatching(/^coder-[12]$/), triggerType: 'architecture', reason: 'Which cache?', options: ['option 1', 'option 2'] });
      await waitFor(() => (store.codebase.getTicket('T-1')?.status === 'waiting' ? true : undefined), 'T-1 waiting in the store');
      expect(store.codebase.getEscalation(open.escalationId)).toMatchObject({ status: 'open', ticketId: 'T-1' });
      // A person answers in another process: only the store is shared.
      store.codebase.answerEscalation(open.escalationId, 'use option 2', 'ana', Date.now());
      outcome = await running;
    } finally {
      if (outcome === undefined) {
        run.orchestrator.cancel('test: failed before the run ended');
        await running.catch(() => undefined);
      }
    }
    expect(outcome.status).toBe('succeeded');
    const t1 = requestsFor(server!, 'T-1');
    expect(t1).toHaveLength(3);
    expect(promptOf(t1[1]!)).toContain('A person answered: use option 2');
    const answered = store.readEvents(outcome.runId).filter((event) => event.type === 'escalation:answered');
    expect(answered).toEqual([expect.objectContaining({ taskId: 'T-1', guidance: 'use option 2', answeredBy: 'ana' })]);
    expect(store.codebase.listEscalations({}).map((escalation) => [escalation.status, escalation.delivered])).toEqual([['answered', true]]);
    expect(filesOf(commitOf(events, 'T-1'))).toEqual(['src/a.ts']);
    expect(readFileSync(join(repo, 'src/a.ts'), 'utf8')).toBe('export const a = "option 2";\n');
    expectAllDoneAndReleased(2);
  });

  it('two tickets on the same file never run at once; the second commit applies on top of the first and both edits stay', { timeout: TEST_TIMEOUT_MS }, async () => {
    store.codebase.addTicket({ title: 'First edit of a', files: ['src/a.ts'], priority: 9 }, Date.now());
    store.codebase.addTicket({ title: 'Second edit of a', files: ['src/a.ts'], priority: 8 }, Date.now());
    const { run, events } = await prepare((ticketId) =>
      ticketId === 'T-1'
        ? [[{ type: 'tool_call', name: 'Edit', arguments: { file_path: 'src/a.ts', old_string: 'export const a = 1;\n', new_string: 'export const a = 1;\n// T-1\n' } }], say('Edited.')]
        : [[{ type: 'tool_call', name: 'Bash', arguments: { command: "printf '// T-2\\n' >> src/a.ts" } }], say('Appended.')],
    );
    const meter = ticketOverlapMeter(['T-1', 'T-2']);
    run.orchestrator.on('*', (event: RunEvent) => meter.onEvent(event));
    const outcome = await run.start();
    expect(outcome.status).toBe('succeeded');
    expect(meter.max()).toBe(1);
    expect(eventsOf(events, 'ticket:deferred').some((event) => event.ticketId === 'T-2')).toBe(true);
    // T-2's model was first asked after T-1 was committed: it saw T-1's edit.
    const first = commitOf(events, 'T-1');
    const second = commitOf(events, 'T-2');
    expect(gitIn(repo, 'rev-parse', `${second}^`)).toBe(first);
    expect(gitIn(repo, 'show', `${first}:src/a.ts`)).toBe('export const a = 1;\n// T-1');
    expect(readFileSync(join(repo, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n// T-1\n// T-2\n');
    expect(filesOf(second)).toEqual(['src/a.ts']);
    expect(gitIn(repo, 'rev-parse', 'main')).toBe(second);
    expectAllDoneAndReleased(2);
  });
});
