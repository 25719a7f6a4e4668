import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from './helpers/cli.js';

let folder: string;
let agentsDir: string;
let db: string;

function writeAgent(name: string, script: string): void {
  const command = [process.execPath, '-e', script];
  writeFileSync(join(agentsDir, `${name}.md`), `---\nname: ${name}\ndescription: Test agent ${name}\nruntime: command\ncommand: ${JSON.stringify(command)}\n---\nTest.\n`);
}

beforeEach(() => {
  folder = makeTempDir('ensemble-cli-chat-');
  agentsDir = join(folder, 'test-agents');
  mkdirSync(agentsDir);
  db = join(folder, 'journal.db');
  // Answers with its prompt, so the tests see what the agent was given.
  writeAgent('echo', 'process.stdin.pipe(process.stdout)');
  writeAgent('broken', 'process.stderr.write("out of credits\\n"); process.exit(2)');
});

const ensemble = (...args: string[]) => runCli([...args, '--db', db, '--agents-dir', agentsDir], { cwd: folder });

describe('ensemble chat and ensemble memory (built CLI, real SQLite)', () => {
  it('chats twice: the second prompt recalls the first exchange; memory list, export and clear', async () => {
    const first = await ensemble('chat', 'echo', 'Remember', 'that', 'the deploy key rotates on Fridays');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('## New message\n\nRemember that the deploy key rotates on Fridays');
    expect(first.stderr).toMatch(/run-\S+ · command · 0 tokens · \$0 · .* · memory: 0 remembered, 2 stored/);

    const second = await ensemble('chat', 'echo', 'When does the key rotate?', '--json');
    expect(second.code).toBe(0);
    const reply = JSON.parse(second.stdout) as { reply: string; simulated: boolean; runId: string; memory: Record<string, number> };
    expect(reply.reply).toContain('**Person:** Remember that the deploy key rotates on Fridays');
    expect(reply.reply.indexOf('rotates on Fridays')).toBeLessThan(reply.reply.indexOf('When does the key rotate?'));
    expect(reply).toMatchObject({ simulated: false, memory: { recalled: 2, omitted: 0, total: 4 } });
    expect(second.stdout).not.toContain('"prompt"');

    const listed = await ensemble('memory', 'list', 'echo');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('echo · 4 remembered messages');
    expect(listed.stdout).toMatch(/1\s+\S+ \S+\s+person\s+\d+\s+Remember that the deploy key rotates on Fridays/);
    const limited = JSON.parse((await ensemble('memory', 'list', 'echo', '--limit', '1', '--json')).stdout) as { total: number; entries: { seq: number; role: string }[] };
    expect(limited).toMatchObject({ total: 4, entries: [{ seq: 4, role: 'agent' }] });

    const exportPath = join(folder, 'echo-memory.json');
    const exported = await ensemble('memory', 'export', 'echo', '--output', exportPath);
    expect(exported.stdout).toBe(`wrote 4 messages of agent "echo" to ${exportPath}\n`);
    const document = JSON.parse(readFileSync(exportPath, 'utf8')) as { format: string; entryCount: number; entries: { content: string; runId: string }[] };
    expect(document).toMatchObject({ format: 'ensemble-agent-memory', agentName: 'echo', entryCount: 4 });
    expect(document.entries[2]).toMatchObject({ content: 'When does the key rotate?', runId: reply.runId });
    const toStdout = await ensemble('memory', 'export', 'echo');
    expect((JSON.parse(toStdout.stdout) as { entryCount: number }).entryCount).toBe(4);

    const cleared = await ensemble('memory', 'clear', 'echo');
    expect(cleared.stdout).toBe('agent "echo" forgot 4 messages\n');
    expect((await ensemble('memory', 'list', 'echo')).stdout).toContain('agent "echo" remembers nothing');
    const fresh = await ensemble('chat', 'echo', 'hello again', '--json');
    expect((JSON.parse(fresh.stdout) as { reply: string }).reply).not.toContain('deploy key');
  });

  it('says when the reply is simulated', async () => {
    const result = await ensemble('chat', 'backend-architect', 'How should we version the API?');
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith('[simulated output')).toBe(true);
    expect(result.stderr).toContain('answered on the simulated runtime');
    const json = JSON.parse((await ensemble('chat', 'backend-architect', 'And pagination?', '--json')).stdout) as { simulated: boolean; runtime: string };
    expect(json).toMatchObject({ simulated: true, runtime: 'simulated' });
  });

  it('exits 2 for an unknown agent or a bad flag, 1 when the agent fails (and remembers nothing)', async () => {
    const unknown = await ensemble('chat', 'no-such-agent', 'hi');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error [UNKNOWN_AGENT]: unknown agent "no-such-agent"');
    const badLimit = await ensemble('memory', 'list', 'echo', '--limit', 'lots');
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit: expected an integer');
    const badName = await ensemble('memory', 'list', 'not a name');
    expect(badName.code).toBe(2);
    const failed = await ensemble('chat', 'broken', 'hi', '--json');
    expect(failed.code).toBe(1);
    // The failed reply's run is named, to look at it with `ensemble runs show`.
    expect(JSON.parse(failed.stdout)).toEqual({ error: { code: 'AGENT_EXIT_NONZERO', message: 'agent "broken" exited with code 2: out of credits', runId: expect.stringMatching(/^run-/) } });
    expect(JSON.parse((await ensemble('memory', 'list', 'broken', '--json')).stdout)).toMatchObject({ total: 0, entries: [] });
  });
});
