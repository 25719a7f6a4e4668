import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { EnsembleError } from '../../core/index.js';
import type { Logger } from '../../core/index.js';
import type { McpToolSource } from '../mcp-tool-source.js';
import type { WorkspaceTool } from '../workspace-tool.js';
import type { McpServerDefinition } from './schema.js';
import { startMcpServer } from './start-mcp-server.js';
import type { McpServerConnection } from './start-mcp-server.js';
import { toMcpWorkspaceTool } from './to-mcp-workspace-tool.js';

export interface McpToolSourceOptions {
  /** The name ensemble gives itself to servers (MCP `clientInfo.name`). */
  readonly clientName: string;
  /** MCP `clientInfo.version`. @default '0.0.0' */
  readonly clientVersion?: string;
  /** The working folder of stdio servers: the run's workspace. */
  readonly workspaceDir: string;
  /** Starting a server, initialising it and listing its tools must end within this, in ms. @default 30000 */
  readonly startTimeoutMs?: number;
  /** A limit on each tool call, in ms, on top of the task's signal. @default none: the task's signal alone bounds a call */
  readonly callTimeoutMs?: number;
  /**
   * The environment of stdio servers, before each server's own `env`: pass the agents' allow-list
   * (`buildAgentEnvironment(process.env, undefined, {})`) so no key or token leaks to a server that did not ask for it.
   * @default the MCP SDK's minimal set (HOME, LOGNAME, PATH, SHELL, TERM, USER)
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Told of servers that failed to start and of tools skipped for a clashing name. */
  readonly logger?: Logger;
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
// The SDK times every request (60 s by default); the longest a timer can wait stands for "no limit of our own".
const LONGEST_TIMER_MS = 2_147_483_647;

interface StartedServer {
  readonly connection: McpServerConnection;
  readonly tools: readonly WorkspaceTool[];
}

/**
 * The MCP servers of one run as a {@link McpToolSource}. A server starts on the first `toolsOf`
 * (concurrent callers share that one start, which no single caller's abort cancels) and lists its
 * tools once. A server that fails to start is not tried again in the run: every later `toolsOf`
 * gets the same MCP_SERVER_FAILED, so a broken configuration costs one spawn, not one per task.
 * A server that dies after starting is not restarted either: its tools' calls fail, naming the exit.
 */
export function createMcpToolSource(servers: readonly McpServerDefinition[], options: McpToolSourceOptions): McpToolSource {
  const definitions = new Map(servers.map((server) => [server.name, server]));
  const starts = new Map<string, Promise<StartedServer>>();
  const closeController = new AbortController();
  let closing: Promise<void> | undefined;

  const start = async (server: McpServerDefinition): Promise<StartedServer> => {
    const connection = await startMcpServer(server, {
      clientName: options.clientName,
      clientVersion: options.clientVersion ?? '0.0.0',
      cwd: options.workspaceDir,
      env: options.env ?? getDefaultEnvironment(),
      startTimeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      callTimeoutMs: options.callTimeoutMs ?? LONGEST_TIMER_MS,
      signal: closeController.signal,
    });
    const tools = new Map<string, WorkspaceTool>();
    for (const tool of connection.tools) {
      const workspaceTool = toMcpWorkspaceTool(server.name, tool, (toolName, input, signal) => connection.callTool(toolName, input, signal));
      if (tools.has(workspaceTool.name)) {
        options.logger?.warn(`MCP server "${server.name}": tool "${tool.name}" skipped, its name clashes with another tool's as ${workspaceTool.name}`);
        continue;
      }
      tools.set(workspaceTool.name, workspaceTool);
    }
    return { connection, tools: [...tools.values()] };
  };

  const startOnce = (server: McpServerDefinition): Promise<StartedServer> => {
    let started = starts.get(server.name);
    if (started === undefined) {
      started = start(server);
      starts.set(server.name, started);
      // Remembered as rejected for the run; observed here so that a failure nobody awaits any more is not "unhandled".
      started.catch((error: unknown) => {
        if (!closeController.signal.aborted) options.logger?.warn((error as Error).message);
      });
    }
    return started;
  };

  return {
    serverNames: [...definitions.keys()],
    async toolsOf(serverName, signal) {
      signal.throwIfAborted();
      if (closeController.signal.aborted) {
        throw new EnsembleError('MCP_SERVER_FAILED', `MCP server "${serverName}" cannot start: the run's MCP servers are closed`, { details: { server: serverName } });
      }
      const server = definitions.get(serverName);
      if (server === undefined) {
        const known = definitions.size === 0 ? 'none is configured (.mcp.json or the config file\'s mcpServers)' : `configured: ${[...definitions.keys()].join(', ')}`;
        throw new EnsembleError('MCP_SERVER_FAILED', `no MCP server named "${serverName}" (${known})`, { details: { server: serverName } });
      }
      return (await raceAbort(startOnce(server), signal)).tools;
    },
    close() {
      closing ??= (async () => {
        closeController.abort();
        await Promise.all([...starts.values()].map((started) => started.then((server) => server.connection.close(), () => undefined)));
      })();
      return closing;
    },
  };
}

/** `promise`, or the abort reason of `signal` if it aborts first; the promise itself carries on for other callers. */
async function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}
