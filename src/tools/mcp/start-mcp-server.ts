import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { EnsembleError } from '../../core/index.js';
import { ProcessGroupStdioTransport } from './process-group-stdio-transport.js';
import type { McpServerDefinition } from './schema.js';
import type { McpCallResult } from './to-mcp-workspace-tool.js';

/** A started server: its tools as it listed them, and the calls to make to it. */
export interface McpServerConnection {
  readonly tools: readonly Tool[];
  /** Calls a tool; rejects with the abort reason when `signal` aborts, and names the exit if the server is gone. */
  callTool(toolName: string, input: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<McpCallResult>;
  /** Stops the server (a stdio server's whole process group); idempotent. */
  close(): Promise<void>;
}

export interface StartMcpServerOptions {
  readonly clientName: string;
  readonly clientVersion: string;
  /** The working folder of a stdio server. */
  readonly cwd: string;
  /** A stdio server's environment before its own `env`. */
  readonly env: Readonly<Record<string, string>>;
  /** Connecting, initialising and listing the tools must end within this. */
  readonly startTimeoutMs: number;
  /** Each tool call's own limit, on top of the task's signal. */
  readonly callTimeoutMs: number;
  /** Aborts the start (the run's MCP servers are being closed). */
  readonly signal: AbortSignal;
}

/**
 * Starts one MCP server, initialises the session and lists its tools (every page), all within
 * `startTimeoutMs`. A stdio server runs as the leader of its own process group, in `cwd`.
 * @throws EnsembleError `MCP_SERVER_FAILED` naming the server, where it is configured, the command or URL, the reason and a stdio server's stderr tail
 */
export async function startMcpServer(server: McpServerDefinition, options: StartMcpServerOptions): Promise<McpServerConnection> {
  if (server.missingVariables.length > 0) {
    const names = server.missingVariables.join(', ');
    throw failure(server, `environment variable${server.missingVariables.length > 1 ? 's' : ''} ${names} not set (give a default as \${NAME:-value})`);
  }
  let transport: Transport;
  let stdio: ProcessGroupStdioTransport | undefined;
  if (server.type === 'stdio') {
    stdio = new ProcessGroupStdioTransport({ command: server.command, args: server.args, cwd: options.cwd, env: { ...options.env, ...server.env } });
    transport = stdio;
  } else {
    let url: URL;
    try {
      url = new URL(server.url);
    } catch {
      throw failure(server, `invalid URL ${JSON.stringify(server.url)}`);
    }
    const requestInit = { headers: { ...server.headers } };
    transport = server.type === 'http' ? new StreamableHTTPClientTransport(url, { requestInit }) : new SSEClientTransport(url, { requestInit });
  }
  const client = new Client({ name: options.clientName, version: options.clientVersion }, { capabilities: {} });
  // A failed connection's errors come back from connect/listTools; this only keeps the SDK from printing them.
  client.onerror = () => undefined;
  const timeout = AbortSignal.timeout(options.startTimeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  const tools: Tool[] = [];
  try {
    await client.connect(transport, { signal, timeout: options.startTimeoutMs });
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor }, { signal, timeout: options.startTimeoutMs });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  } catch (error) {
    await client.close().catch(() => undefined);
    if (options.signal.aborted) throw failure(server, 'the run ended while it was starting', error);
    const reason = timeout.aborted ? `no answer within ${options.startTimeoutMs} ms` : describeStartError(error, stdio);
    throw failure(server, reason, error, stdio?.stderrTail);
  }
  return {
    tools,
    async callTool(toolName, input, callSignal) {
      try {
        return await client.callTool({ name: toolName, arguments: { ...input } }, undefined, { signal: callSignal, timeout: options.callTimeoutMs });
      } catch (error) {
        if (callSignal.aborted || stdio?.exitReason === undefined) throw error;
        const stderr = stdio.stderrTail === '' ? '' : `; stderr: ${stdio.stderrTail}`;
        throw new Error(`MCP server "${server.name}" is not running: it ${stdio.exitReason}${stderr}`, { cause: error });
      }
    },
    close: () => client.close(),
  };
}

function describeStartError(error: unknown, stdio: ProcessGroupStdioTransport | undefined): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'command not found';
  if (code === 'EACCES') return 'command is not executable';
  // The process went away before answering: its exit says more than the SDK's "Connection closed".
  if (stdio?.exitReason !== undefined) return `it ${stdio.exitReason} before answering`;
  return error instanceof Error ? error.message : String(error);
}

function failure(server: McpServerDefinition, reason: string, cause?: unknown, stderrTail?: string): EnsembleError {
  const target = server.type === 'stdio' ? `command ${JSON.stringify([server.command, ...server.args].join(' '))}` : `${server.type} ${toShownUrl(server.url)}`;
  const stderr = stderrTail === undefined || stderrTail === '' ? '' : `\nstderr: ${stderrTail}`;
  return new EnsembleError('MCP_SERVER_FAILED', `MCP server "${server.name}" (${target}, from ${server.source}) failed to start: ${reason}${stderr}`, {
    details: { server: server.name, source: server.source, ...(server.type === 'stdio' ? { command: server.command, args: server.args } : { url: toShownUrl(server.url) }), reason, ...(stderrTail ? { stderrTail } : {}) },
    cause,
  });
}

// A URL may carry a token (`?key=…`, `user:secret@`) and messages are journaled: show where, not how.
function toShownUrl(text: string): string {
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
