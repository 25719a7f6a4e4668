import { readdirSync, readFileSync, realpathSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, parseNdjson, runCli } from './helpers/cli.js';
import { startOpenAiChatToolServer, type OpenAiChatToolServer } from './helpers/wire/openai-chat-tool-server.js';

// Issue 7: an llm agent uses a real MCP server from npm (@modelcontextprotocol/server-filesystem),
// configured in the workspace's .mcp.json, through `ensemble run`: the server starts when the task
// needs it and is gone when the run ends.

const require = createRequire(import.meta.url);
const FILESYSTEM_SERVER = join(dirname(require.resolve('@modelcontextprotocol/server-filesystem/package.json')), 'dist', 'index.js');

let server: OpenAiChatToolServer;
let workspace: string;

beforeAll(async () => {
  workspace = realpathSync(makeTempDir('ensemble-mcp-e2e-'));
  mkdirSync(join(workspace, 'docs'));
  writeFileSync(join(workspace, 'docs', 'notes.md'), 'The release is on Friday.\n');
  writeFileSync(
    join(workspace, '.mcp.json'),
    JSON.stringify({ mcpServers: { fs: { command: process.execPath, args: [FILESYSTEM_SERVER, '${WORKSPACE_DOCS}'] }, broken: { command: join(workspace, 'no-such-server') } } }),
  );
  mkdirSync(join(workspace, 'agents'));
  const agent = (name: string, tools: string) => `---\nname: ${name}\ndescription: Reads notes through MCP\ntools: ${tools}\n---\nYou read notes.\n`;
  writeFileSync(join(workspace, 'agents', 'notes-reader.md'), agent('notes-reader', 'mcp__fs__read_text_file'));
  writeFileSync(join(workspace, 'agents', 'broken-reader.md'), agent('broken-reader', 'mcp__broken'));
  server = await startOpenAiChatToolServer({
    models: ['local-model'],
    turns: [
      [{ type: 'tool_call', id: 'mcp-read', name: 'mcp__fs__read_text_file', arguments: { path: join(workspace, 'docs', 'notes.md') } }],
      [{ type: 'text', text: 'The notes say the release is on Friday.' }],
    ],
  });
});

afterAll(async () => {
  await server.close();
});

const run = (workflow: string) =>
  runCli(['run', workflow, '--json', '--db', join(workspace, 'journal.db')], {
    cwd: workspace,
    env: { PATH: process.env.PATH, HOME: workspace, OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: 'key', ENSEMBLE_MODEL: 'local-model', WORKSPACE_DOCS: join(workspace, 'docs') },
    timeoutMs: 60_000,
  });

/** Processes whose command line names this test's filesystem server and workspace. */
function serverProcesses(): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return commandLine.includes('server-filesystem') && commandLine.includes(workspace);
    } catch {
      return false;
    }
  }).map(Number);
}

describe('MCP servers in a run (issue 7)', () => {
  it("an agent calls a tool of the workspace's .mcp.json server; the server stops with the run", async () => {
    const workflow = join(workspace, 'read.json');
    writeFileSync(workflow, JSON.stringify({ name: 'read notes', tasks: [{ id: 'read', agentName: 'notes-reader', prompt: 'What do the notes say?' }] }));
    const result = await run(workflow);
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    expect(events.find((event) => event.type === 'agent:tool' && event.state === 'end')).toMatchObject({ tool: 'mcp__fs__read_text_file', ok: true });
    expect(server.toolResults().find((call) => call.toolCallId === 'mcp-read')?.content).toContain('The release is on Friday.');
    // Only the tool the agent named was offered.
    expect(server.chatRequests()[0]?.tools).toEqual(['mcp__fs__read_text_file', 'Escalate']);
    expect(serverProcesses()).toEqual([]);
  }, 90_000);

  it('a server that cannot start fails the task with MCP_SERVER_FAILED naming it, not retried', async () => {
    const workflow = join(workspace, 'broken.json');
    writeFileSync(workflow, JSON.stringify({ name: 'broken', tasks: [{ id: 'read', agentName: 'broken-reader', prompt: 'Read.', retry: { max: 2, backoffMs: 0 } }] }));
    const result = await run(workflow);
    expect(result.code).toBe(1);
    const error = parseNdjson(result.stdout).find((event) => event.type === 'task:error') as { error: { code: string; message: string } } | undefined;
    expect(error?.error.code).toBe('MCP_SERVER_FAILED');
    expect(error?.error.message).toContain('MCP server "broken"');
    expect(parseNdjson(result.stdout).filter((event) => event.type === 'task:start')).toHaveLength(1);
  }, 90_000);
});
