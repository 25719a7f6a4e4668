import type { WorkspaceTool } from './workspace-tool.js';

/**
 * The MCP servers of a run (from the workspace's `.mcp.json` and the config file). A server starts
 * once per run, when a task first needs it, and stops when the run ends (`close`). Its tools are
 * named `mcp__<server>__<tool>`; a tool the server marks read-only (`readOnlyHint`) is offered
 * under the `read` ceiling, any other only under `full` (it may change anything, not only the
 * workspace).
 */
export interface McpToolSource {
  /** The configured servers' names. */
  readonly serverNames: readonly string[];
  /**
   * The tools of server `server`, starting it on first use (concurrent callers share one start).
   * @throws EnsembleError `MCP_SERVER_FAILED` naming the server and why (not configured, did not start, did not answer)
   */
  toolsOf(server: string, signal: AbortSignal): Promise<readonly WorkspaceTool[]>;
  /** Stops every server it started; idempotent. */
  close(): Promise<void>;
}
