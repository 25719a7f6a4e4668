import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIMULATED_LABEL } from '../agents/index.js';
import { openMemoryStore, openRunStore } from '../store/index.js';
import { chat } from './chat.js';

let folder: string;
let db: string;
let agentsDir: string;

// A command agent that answers with its prompt (stdin), so tests see exactly what it was given.
const ECHO_COMMAND = [process.execPath, '-e', 'process.stdin.pipe(process.stdout)'];
const FAIL_COMMAND = [process.execPath, '-e', 'process.stderr.write("no capacity\\n"); process.exit(4)'];

function writeAgent(name: string, command: readonly string[]): void {
  writeFileSync(join(agentsDir, `${name}.md`), `---\nname: ${name}\ndescription: Test agent ${name}\nruntime: command\ncommand: ${JSON.stringify(command)}\n---\nTest.\n`);
}

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'ensemble-chat-'));
  db = join(folder, 'ensemble.db');
  agentsDir = join(folder, 'agents-under-test');
  mkdirSync(agentsDir);
  writeAgent('echo', ECHO_COMMAND);
  writeAgent('broken', FAIL_COMMAND);
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

const options = () => ({ store: db, agentDirs: [agentsDir], workspaceDir: folder, simulatedLatencyMs: 0 });

describe('chat', () => {
  it('recalls the first exchange in the second prompt and remembers both', async () => {
    const first = await chat('echo', 'My name is Ada and I work on the billing service.', options());
    expect(first.reply).toBe(first.prompt);
    expect(first.prompt).toContain('My name is Ada');
    expect(first).toMatchObject({ agentName: 'echo', runtime: 'command', simulated: false, memory: { recalled: 0, omitted: 0, total: 2 } });

    const second = await chat('echo', 'Which service do I work on?', options());
    expect(second.prompt).toContain('**Person:** My name is Ada and I work on the billing service.');
    // The first reply is recalled too (here it is the first prompt, echoed).
    expect(second.prompt).toContain('**You:** A person starts a conversation with you.');
    expect(second.prompt.indexOf('My name is Ada')).toBeLessThan(second.prompt.indexOf('Which service do I work on?'));
    expect(second.memory).toMatchObject({ recalled: 2, omitted: 0, total: 4 });

    const memory = openMemoryStore(db);
    try {
      const entries = memory.list('echo');
      expect(entries.map((entry) => entry.role)).toEqual(['user', 'agent', 'user', 'agent']);
      expect(entries[2]).toMatchObject({ content: 'Which service do I work on?', runId: second.runId });
      expect(entries[3]?.content).toBe(second.reply);
    } finally {
      memory.close();
    }
    const runs = openRunStore(db);
    try {
      expect(runs.getRun(second.runId)).toMatchObject({ workflowName: 'chat with echo', status: 'succeeded' });
      expect(runs.listTasks(second.runId)).toMatchObject([{ taskId: 'reply', agentName: 'echo', status: 'succeeded' }]);
    } finally {
      runs.close();
    }
  });

  it('keeps memories apart per agent and prunes to the token budget', async () => {
    writeAgent('other', ECHO_COMMAND);
    await chat('echo', 'secret for echo', options());
    const other = await chat('other', 'hello other', options());
    expect(other.prompt).not.toContain('secret for echo');
    const pruned = await chat('echo', 'next', { ...options(), memoryTokenBudget: 5 });
    expect(pruned.prompt).not.toContain('secret for echo');
    expect(pruned.prompt).toContain('(2 earlier messages are not shown.)');
    expect(pruned.memory).toMatchObject({ recalled: 0, omitted: 2 });
  });

  it('answers on the simulated runtime when the agent is an llm agent and no provider is configured, and says so', async () => {
    const reply = await chat('backend-architect', 'How should we version the API?', { ...options(), agentDirs: [] });
    expect(reply.simulated).toBe(true);
    expect(reply.runtime).toBe('simulated');
    expect(reply.reply.startsWith(SIMULATED_LABEL)).toBe(true);
    expect(reply.usage.totalTokens).toBeGreaterThan(0);
  });

  it('remembers nothing when the reply fails, and reports the task error', async () => {
    await expect(chat('broken', 'hello', options())).rejects.toMatchObject({
      code: 'AGENT_EXIT_NONZERO',
      message: 'agent "broken" exited with code 4: no capacity',
      details: expect.objectContaining({ agentName: 'broken', runId: expect.any(String) }),
    });
    const memory = openMemoryStore(db);
    try {
      expect(memory.count('broken')).toBe(0);
    } finally {
      memory.close();
    }
  });

  it('rejects an unknown agent and an empty message before anything runs', async () => {
    await expect(chat('nobody', 'hi', options())).rejects.toMatchObject({ code: 'UNKNOWN_AGENT', message: expect.stringContaining('"nobody"') });
    await expect(chat('echo', '   ', options())).rejects.toMatchObject({ code: 'INVALID_INPUT', message: 'message: must not be empty' });
    const runs = openRunStore(db);
    try {
      expect(runs.listRuns()).toEqual([]);
    } finally {
      runs.close();
    }
  });

  it('stops on abort and remembers nothing', async () => {
    writeAgent('slow', [process.execPath, '-e', 'setTimeout(() => {}, 30000)']);
    const controller = new AbortController();
    const pending = chat('slow', 'take your time', { ...options(), signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user pressed Ctrl-C')), 300);
    await expect(pending).rejects.toThrow('user pressed Ctrl-C');
    const memory = openMemoryStore(db);
    try {
      expect(memory.count('slow')).toBe(0);
    } finally {
      memory.close();
    }
  });
});
