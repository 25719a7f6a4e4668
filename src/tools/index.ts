/** Tools of tool-using agents: the workspace tools (Read, Write, Edit, Glob, Grep, Bash), path confinement, and MCP servers' tools. */
export type { WorkspaceTool, ToolContext, ToolResult, ShellRunner, ShellRequest, ShellResult } from './workspace-tool.js';
export type { McpToolSource } from './mcp-tool-source.js';
/** Resolves a path a model gave to its real path inside the workspace, refusing escapes (TOOL_REFUSED). */
export { resolveWorkspacePath, isInside, toDisplay } from './workspace-path.js';
export type { WorkspacePath, PathIntent } from './workspace-path.js';
/** The file tools, with Claude Code's names and input shapes: Read, Write, Edit, Glob, Grep. */
export { readTool, DEFAULT_READ_LINES, MAX_READ_FILE_BYTES, MAX_READ_LINE_CHARS, MAX_READ_OUTPUT_CHARS } from './read-tool.js';
export type { ReadInput } from './read-tool.js';
export { writeTool } from './write-tool.js';
export type { WriteInput } from './write-tool.js';
export { editTool } from './edit-tool.js';
export type { EditInput } from './edit-tool.js';
export { globTool, MAX_GLOB_RESULTS } from './glob-tool.js';
export type { GlobInput } from './glob-tool.js';
export { grepTool, DEFAULT_GREP_HEAD_LIMIT, MAX_GREP_OUTPUT_CHARS } from './grep-tool.js';
export type { GrepInput } from './grep-tool.js';
/** Every builtin tool, and the choice of an agent's tools from its `tools` list and the run's ceiling. */
export { createBuiltinTools, BUILTIN_TOOL_NAMES } from './builtin-tools.js';
export type { BuiltinToolName, BuiltinToolsOptions } from './builtin-tools.js';
export { selectTools, isWithinCeiling } from './select-tools.js';
export type { ToolSelection, McpToolReference, SelectToolsOptions } from './select-tools.js';
/**
 * `SendMessage` (Claude Code's name): an agent message from the calling task. `createSendMessageTool(send)`
 * binds it to an attempt's sender; the unbound `sendMessageTool` (in the builtins) refuses every call.
 */
export { createSendMessageTool, sendMessageTool, SEND_MESSAGE_TOOL_NAME } from './send-message-tool.js';
export type { SendMessageInput, MessageSender } from './send-message-tool.js';
/**
 * `Escalate`: asks a person to decide and ends the attempt (its result carries the
 * `EscalationRequest`; the agent loop rejects with `AGENT_ESCALATED`). Offered to every tool-using agent.
 */
export { escalateTool, ESCALATE_TOOL_NAME } from './escalate-tool.js';
export type { EscalateInput } from './escalate-tool.js';
/** `RequestLease`: asks for file leases on more paths or globs (`ToolContext.leases`); offered only to attempts under leases. */
export { requestLeaseTool, REQUEST_LEASE_TOOL_NAME } from './request-lease-tool.js';
export type { RequestLeaseInput } from './request-lease-tool.js';
/** The check `Write` and `Edit` make under file leases (refusal: `TOOL_REFUSED` and a `lease:refused` event), and the hint it gives. */
export { checkWriteLease, LEASE_HINT } from './check-write-lease.js';
/** How `Bash` watches a git work tree under leases: what a command changed, and how to put paths back. */
export { watchWorkspaceChanges, MAX_SAVED_CONTENT_BYTES } from './bash-change-watch.js';
export type { WorkspaceChangeWatch, RestoreResult } from './bash-change-watch.js';
/** A tool input as one printable line of at most 200 characters, for `agent:tool` events. */
export { toSummaryLine, MAX_SUMMARY_CHARS } from './to-summary-line.js';
/** `Bash`: runs the model's command with bash in the workspace through the run's ShellRunner (offered under `full`). */
export { bashTool } from './bash-tool.js';
export type { BashInput } from './bash-tool.js';
/** MCP servers as tool sources: `.mcp.json` and config entries, started through the MCP SDK (stdio in its own process group, Streamable HTTP, SSE). */
export { createMcpToolSource, loadMcpServers, mcpServerEntrySchema, mcpServersConfigSchema, toMcpToolName, MCP_JSON_FILE_NAME } from './mcp/index.js';
export type { McpToolSourceOptions, LoadMcpServersOptions, McpServerEntry, McpServerDefinition } from './mcp/index.js';
