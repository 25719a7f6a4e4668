// MCP servers as tool sources, against real servers: the npm filesystem server and servers written
// here on the SDK's server classes, over stdio (child processes) and Streamable HTTP (loopback).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { realpathSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createMcpToolSource, loadMcpServers } from '../src/tools/mcp/index.js';
import type { McpServerDefinition } from '../src/tools/mcp/index.js';
import type { McpToolSource, WorkspaceTool } from '../src/tools/index.js';
import { createTempFolder } from './helpers/temp-folder.js';
import type { TempFolder } from './helpers/temp-folder.js';

const require = createRequire(import.meta.url);
const FILESYSTEM_SERVER = join(dirname(require.resolve('@modelcontextprotocol/server-filesystem/package.json')), 'dist', 'index.js');

// A stdio server on the SDK's low-level Server class, in CommonJS so it loads the SDK by absolute path from a temp folder.
const TEST_SERVER_SOURCE = `
const { Server } = require(${JSON.stringify(require.resolve('@modelcontextprotocol/sdk/server/index.js'))});
const { StdioServerTransport } = require(${JSON.stringify(require.resolve('@modelcontextprotocol/sdk/server/stdio.js'))});
const { CallToolRequestSchema, ListToolsRequestSchema } = require(${JSON.stringify(require.resolve('@modelcontextprotocol/sdk/types.js'))});
const { spawn } = require('node:child_process');
const { appendFileSync, writeFileSync } = require('node:fs');
const mode = process.argv[2];
if (process.env.PID_FILE) appendFileSync(process.env.PID_FILE, process.pid + '\\n');
if (mode === 'exit') {
  process.stderr.write('fatal: TEST_DATABASE_URL is not set\\n');
  process.exit(3);
}
if (mode === 'silent') {
  setInterval(() => {}, 1000);
} else {
  if (process.env.GRANDCHILD_PID_FILE) {
    const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    writeFileSync(process.env.GRANDCHILD_PID_FILE, String(grandchild.pid));
  }
  const server = new Server({ name: 'test-server', version: '1.0.0' }, { capabilities: { tools: {} } });
  const object = { type: 'object', properties: {} };
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      { name: 'echo', description: 'Echoes text', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }, annotations: { readOnlyHint: true } },
      { name: 'fail', description: 'Always fails', inputSchema: object },
      { name: 'hang', description: 'Never answers', inputSchema: object },
      { name: 'environment', description: 'Tells its cwd and environment', inputSchema: object, annotations: { readOnlyHint: true } },
      { name: 'crash', description: 'Exits', inputSchema: object },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    switch (request.params.name) {
      case 'echo':
        return { content: [{ type: 'text', text: 'echo: ' + request.params.arguments.text }] };
      case 'fail':
        return { isError: true, content: [{ type: 'text', text: 'the database is locked' }] };
      case 'hang':
        writeFileSync(process.env.HANG_FILE, 'started');
        await new Promise((resolve) => extra.signal.addEventListener('abort', resolve));
        writeFileSync(process.env.HANG_FILE, 'cancelled');
        return { content: [] };
      case 'environment':
        return { content: [{ type: 'text', text: JSON.stringify({ cwd: process.cwd(), env: process.env }) }] };
      case 'crash':
        process.stderr.write('segfault in the test server\\n');
        process.exit(7);
    }
    throw new Error('unknown tool ' + request.params.name);
  });
  server.connect(new StdioServerTransport());
}
`;

let temp: TempFolder;
let workspaceDir: string;
let serverScript: string;
let pidFile: string;
let source: McpToolSource | undefined;

beforeEach(() => {
  temp = createTempFolder('ensemble-mcp-');
  workspaceDir = join(realpathSync(temp.folder), 'workspace');
  mkdirSync(workspaceDir);
  serverScript = join(temp.folder, 'test-server.cjs');
  writeFileSync(serverScript, TEST_SERVER_SOURCE);
  pidFile = join(temp.folder, 'pids');
});

afterEach(async () => {
  await source?.close();
  source = undefined;
  temp.remove();
});

const baseEnvironment = (): Record<string, string> => ({ PATH: process.env['PATH'] ?? '' });

function testServer(name: string, mode: string, env: Record<string, string> = {}): McpServerDefinition {
  return { name, source: '.mcp.json', type: 'stdio', command: process.execPath, args: [serverScript, mode], env: { PID_FILE: pidFile, ...env }, missingVariables: [] };
}

function open(servers: readonly McpServerDefinition[], options: { startTimeoutMs?: number; env?: Record<string, string> } = {}): McpToolSource {
  source = createMcpToolSource(servers, { clientName: 'ensemble-test', workspaceDir, env: options.env ?? baseEnvironment(), ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }) });
  return source;
}

const signal = (): AbortSignal => AbortSignal.timeout(20_000);
const context = (abortSignal: AbortSignal = signal()) => ({ workspaceDir, signal: abortSignal });

function toolNamed(tools: readonly WorkspaceTool[], name: string): WorkspaceTool {
  const tool = tools.find((candidate) => candidate.name === name);
  if (tool === undefined) throw new Error(`no tool ${name} in ${tools.map((candidate) => candidate.name).join(', ')}`);
  return tool;
}

const startedPids = (): number[] => (existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim().split('\n').map(Number) : []);

/** Whether a process is running (a zombie waiting for a reaper counts as gone). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('the npm filesystem server over stdio', () => {
  it('lists its tools, reads a file in the allowed folder, and offers read-only tools under "read", writing ones under "full"', async () => {
    writeFileSync(join(workspaceDir, 'notes.txt'), 'line one\nline two\n');
    writeFileSync(join(workspaceDir, '.mcp.json'), JSON.stringify({ mcpServers: { files: { command: '${NODE_BINARY}', args: [FILESYSTEM_SERVER, '${ALLOWED_DIR:-.}'] } } }));
    const servers = await loadMcpServers({ workspaceDir, variables: { NODE_BINARY: process.execPath } });
    const tools = await open(servers).toolsOf('files', signal());
    expect(tools.length).toBeGreaterThan(5);
    const read = toolNamed(tools, 'mcp__files__read_text_file');
    expect(read.permission).toBe('read');
    expect(read.inputJsonSchema).toMatchObject({ type: 'object', properties: { path: { type: 'string' } } });
    expect(toolNamed(tools, 'mcp__files__write_file').permission).toBe('full');
    expect(toolNamed(tools, 'mcp__files__list_directory').permission).toBe('read');

    const result = await read.execute(read.inputSchema.parse({ path: join(workspaceDir, 'notes.txt') }), context());
    expect(result.output).toBe('line one\nline two\n');
    const outside = await rejection(read.execute({ path: '/etc/hostname' }, context()));
    expect(outside.code).toBe('TOOL_FAILED');
    expect(outside.message).toMatch(/outside allowed directories/i);
  });
});

describe('a stdio server written on the SDK', () => {
  it('calls tools, turns an error result into TOOL_FAILED with the server\'s message, and runs in the workspace with the given environment only', async () => {
    process.env['ENSEMBLE_MCP_TEST_SECRET'] = 'must not leak';
    try {
      const tools = await open([testServer('test', 'serve', { FROM_CONFIG: 'yes' })]).toolsOf('test', signal());
      expect(tools.map((tool) => [tool.name, tool.permission])).toEqual([
        ['mcp__test__echo', 'read'],
        ['mcp__test__fail', 'full'],
        ['mcp__test__hang', 'full'],
        ['mcp__test__environment', 'read'],
        ['mcp__test__crash', 'full'],
      ]);
      expect(await toolNamed(tools, 'mcp__test__echo').execute({ text: 'hello' }, context())).toEqual({ output: 'echo: hello' });
      const failure = await rejection(toolNamed(tools, 'mcp__test__fail').execute({}, context()));
      expect(failure).toMatchObject({ code: 'TOOL_FAILED', message: 'the database is locked' });

      const seen = JSON.parse((await toolNamed(tools, 'mcp__test__environment').execute({}, context())).output) as { cwd: string; env: Record<string, string> };
      expect(seen.cwd).toBe(workspaceDir);
      expect(seen.env['FROM_CONFIG']).toBe('yes');
      expect(seen.env['PATH']).toBe(process.env['PATH']);
      expect(seen.env['ENSEMBLE_MCP_TEST_SECRET']).toBeUndefined();
    } finally {
      delete process.env['ENSEMBLE_MCP_TEST_SECRET'];
    }
  });

  it('aborts a call that hangs with the task\'s signal, tells the server, and keeps the server usable', async () => {
    const hangFile = join(temp.folder, 'hang');
    const tools = await open([testServer('test', 'serve', { HANG_FILE: hangFile })]).toolsOf('test', signal());
    const controller = new AbortController();
    const reason = new Error('task cancelled');
    const call = toolNamed(tools, 'mcp__test__hang').execute({}, context(controller.signal));
    await waitFor(() => existsSync(hangFile));
    const startedAt = Date.now();
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    await waitFor(() => readFileSync(hangFile, 'utf8') === 'cancelled');
    expect((await toolNamed(tools, 'mcp__test__echo').execute({ text: 'still here' }, context())).output).toBe('echo: still here');
  });

  it('starts one process for concurrent toolsOf callers, and a caller\'s abort does not stop the start for the others', async () => {
    const tools = open([testServer('test', 'serve')]);
    const impatient = new AbortController();
    const calls = [tools.toolsOf('test', impatient.signal), tools.toolsOf('test', signal()), tools.toolsOf('test', signal()), tools.toolsOf('test', signal())];
    impatient.abort(new Error('gave up'));
    const [first, ...rest] = await Promise.allSettled(calls);
    expect(first).toMatchObject({ status: 'rejected', reason: { message: 'gave up' } });
    const lists = rest.map((settled) => (settled.status === 'fulfilled' ? settled.value : []));
    expect(lists[0]).toHaveLength(5);
    expect(lists[1]).toBe(lists[0]);
    expect(lists[2]).toBe(lists[0]);
    expect(await tools.toolsOf('test', signal())).toBe(lists[0]);
    expect(startedPids()).toHaveLength(1);
  });

  it('close() ends every server and what it started, and is idempotent', async () => {
    const grandchildFile = join(temp.folder, 'grandchild');
    const tools = open([testServer('one', 'serve', { GRANDCHILD_PID_FILE: grandchildFile }), testServer('two', 'serve')]);
    await Promise.all([tools.toolsOf('one', signal()), tools.toolsOf('two', signal())]);
    await waitFor(() => existsSync(grandchildFile));
    const pids = [...startedPids(), Number(readFileSync(grandchildFile, 'utf8'))];
    expect(pids).toHaveLength(3);
    expect(pids.every(isRunning)).toBe(true);
    await Promise.all([tools.close(), tools.close()]);
    await waitFor(() => !pids.some(isRunning));
    await tools.close();
    expect(await rejection(tools.toolsOf('one', signal()))).toMatchObject({ code: 'MCP_SERVER_FAILED', message: expect.stringContaining('closed') as unknown });
  });

  it('names the exit and stderr when a started server dies, and does not restart it', async () => {
    const tools = await open([testServer('test', 'serve')]).toolsOf('test', signal());
    await rejection(toolNamed(tools, 'mcp__test__crash').execute({}, context()));
    const after = await rejection(toolNamed(tools, 'mcp__test__echo').execute({ text: 'x' }, context()));
    expect(after.code).toBe('TOOL_FAILED');
    expect(after.message).toContain('MCP server "test" is not running: it exited with code 7; stderr: segfault in the test server');
    expect(startedPids()).toHaveLength(1);
  });
});

describe('servers that fail to start', () => {
  it('a command that does not exist: MCP_SERVER_FAILED naming the server and the command', async () => {
    const missing: McpServerDefinition = { name: 'ghost', source: 'ensemble.config.yaml', type: 'stdio', command: 'ensemble-no-such-mcp-server', args: ['--stdio'], env: {}, missingVariables: [] };
    const error = await rejection(open([missing]).toolsOf('ghost', signal()));
    expect(error).toMatchObject({ code: 'MCP_SERVER_FAILED' });
    expect(error.message).toBe('MCP server "ghost" (command "ensemble-no-such-mcp-server --stdio", from ensemble.config.yaml) failed to start: command not found');
  });

  it('a server that exits at once: its exit code and stderr, remembered for the run (no second spawn)', async () => {
    const tools = open([testServer('broken', 'exit')]);
    const error = await rejection(tools.toolsOf('broken', signal()));
    expect(error.code).toBe('MCP_SERVER_FAILED');
    expect(error.message).toMatch(/^MCP server "broken" \(command ".*test-server\.cjs exit", from \.mcp\.json\) failed to start: it exited with code 3 before answering\nstderr: fatal: TEST_DATABASE_URL is not set$/);
    expect(await rejection(tools.toolsOf('broken', signal()))).toBe(error);
    expect(startedPids()).toHaveLength(1);
  });

  it('a server that never answers: stopped at the start timeout, its process killed', async () => {
    const tools = open([testServer('mute', 'silent')], { startTimeoutMs: 800 });
    const error = await rejection(tools.toolsOf('mute', signal()));
    expect(error).toMatchObject({ code: 'MCP_SERVER_FAILED', message: expect.stringContaining('failed to start: no answer within 800 ms') as unknown });
    await waitFor(() => !startedPids().some(isRunning));
  });

  it('an unknown server name, and a server whose variables are not set', async () => {
    const unset: McpServerDefinition = { ...testServer('needs-token', 'serve'), missingVariables: ['GITHUB_TOKEN'] };
    const tools = open([unset]);
    expect(await rejection(tools.toolsOf('github', signal()))).toMatchObject({ code: 'MCP_SERVER_FAILED', message: 'no MCP server named "github" (configured: needs-token)' });
    const error = await rejection(tools.toolsOf('needs-token', signal()));
    expect(error).toMatchObject({ code: 'MCP_SERVER_FAILED', message: expect.stringContaining('environment variable GITHUB_TOKEN not set') as unknown });
    expect(startedPids()).toHaveLength(0);
  });
});

describe('a Streamable HTTP server on loopback', () => {
  let httpServer: HttpServer | undefined;
  afterEach(async () => {
    httpServer?.closeAllConnections();
    await new Promise((resolve) => (httpServer === undefined ? resolve(undefined) : httpServer.close(resolve)));
    httpServer = undefined;
  });

  it('connects with the configured headers, lists and calls tools', async () => {
    const authorizations: (string | undefined)[] = [];
    httpServer = createServer((request, response) => {
      authorizations.push(request.headers.authorization);
      // Stateless (no session id generator): a server and transport per request, as the SDK's stateless example does.
      const server = new Server({ name: 'http-test', version: '1.0.0' }, { capabilities: { tools: {} } });
      server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [{ name: 'time', description: 'Tells the time', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } }] }));
      server.setRequestHandler(CallToolRequestSchema, () => ({ content: [{ type: 'text', text: 'noon' }] }));
      const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
      response.on('close', () => void transport.close().then(() => server.close()));
      void server.connect(transport).then(() => transport.handleRequest(request, response));
    });
    await new Promise<void>((resolve) => httpServer?.listen(0, '127.0.0.1', resolve));
    const port = (httpServer.address() as AddressInfo).port;
    writeFileSync(join(workspaceDir, '.mcp.json'), JSON.stringify({ mcpServers: { clock: { type: 'http', url: `http://127.0.0.1:${port}/mcp`, headers: { Authorization: 'Bearer ${CLOCK_TOKEN}' } } } }));
    const servers = await loadMcpServers({ workspaceDir, variables: { CLOCK_TOKEN: 'secret-1' } });
    const tools = await open(servers).toolsOf('clock', signal());
    expect(tools.map((tool) => [tool.name, tool.permission])).toEqual([['mcp__clock__time', 'read']]);
    expect(await toolNamed(tools, 'mcp__clock__time').execute({}, context())).toEqual({ output: 'noon' });
    expect(authorizations.length).toBeGreaterThan(0);
    expect(new Set(authorizations)).toEqual(new Set(['Bearer secret-1']));
  });

  it('speaks the older HTTP+SSE transport for "type": "sse"', async () => {
    const sessions = new Map<string, SSEServerTransport>();
    httpServer = createServer((request, response) => {
      if (request.method === 'GET') {
        const server = new Server({ name: 'sse-test', version: '1.0.0' }, { capabilities: { tools: {} } });
        server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [{ name: 'ping', inputSchema: { type: 'object' } }] }));
        server.setRequestHandler(CallToolRequestSchema, () => ({ content: [{ type: 'text', text: `pong ${String(request.headers['x-team'])}` }] }));
        const transport = new SSEServerTransport('/messages', response);
        sessions.set(transport.sessionId, transport);
        void server.connect(transport);
        return;
      }
      const sessionId = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('sessionId') ?? '';
      void sessions.get(sessionId)?.handlePostMessage(request, response);
    });
    await new Promise<void>((resolve) => httpServer?.listen(0, '127.0.0.1', resolve));
    const port = (httpServer.address() as AddressInfo).port;
    const server: McpServerDefinition = { name: 'legacy', source: '.mcp.json', type: 'sse', url: `http://127.0.0.1:${port}/sse`, headers: { 'X-Team': 'blue' }, missingVariables: [] };
    const tools = await open([server]).toolsOf('legacy', signal());
    expect(tools.map((tool) => [tool.name, tool.permission])).toEqual([['mcp__legacy__ping', 'full']]);
    expect(await toolNamed(tools, 'mcp__legacy__ping').execute({}, context())).toEqual({ output: 'pong blue' });
  });

  it('an http server that is not there: MCP_SERVER_FAILED naming the URL without its query', async () => {
    const server: McpServerDefinition = { name: 'away', source: '.mcp.json', type: 'http', url: 'http://127.0.0.1:9/mcp?token=hidden', headers: {}, missingVariables: [] };
    const error = await rejection(open([server]).toolsOf('away', signal()));
    expect(error.code).toBe('MCP_SERVER_FAILED');
    expect(error.message).toMatch(/^MCP server "away" \(http http:\/\/127\.0\.0\.1:9\/mcp, from \.mcp\.json\) failed to start: /);
    expect(error.message).not.toContain('hidden');
  });
});
