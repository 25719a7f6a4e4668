/** MCP servers as a source of tools: `.mcp.json` and config entries, started over stdio or HTTP through the MCP SDK. */
export { createMcpToolSource } from './create-mcp-tool-source.js';
export type { McpToolSourceOptions } from './create-mcp-tool-source.js';
/** Reads a workspace's `.mcp.json` and the config file's servers, `${VAR}` expanded (INVALID_CONFIG on a bad entry). */
export { loadMcpServers, MCP_JSON_FILE_NAME } from './load-mcp-servers.js';
export type { LoadMcpServersOptions } from './load-mcp-servers.js';
/** zod schemas of an MCP server entry (for the config file's `mcpServers:`) and of `.mcp.json`. */
export { mcpServerEntrySchema, mcpServersConfigSchema, mcpJsonFileSchema, MCP_SERVER_NAME_PATTERN } from './schema.js';
export type { McpServerEntry, McpServerDefinition, McpStdioServerDefinition, McpRemoteServerDefinition } from './schema.js';
/** `mcp__<server>__<tool>` as a provider accepts it. */
export { toMcpToolName } from './to-mcp-workspace-tool.js';
