import { z } from 'zod';
import { EnsembleError } from '../../core/index.js';
import type { CallToolResult, ContentBlock, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { WorkspaceTool } from '../workspace-tool.js';

/** Calls one tool of a started server; rejects with the abort reason when `signal` aborts. */
export type McpToolCaller = (toolName: string, input: Readonly<Record<string, unknown>>, signal: AbortSignal) => Promise<McpCallResult>;

/** A `tools/call` result as the SDK hands it back (current shape, or the 2024-10 `toolResult` one). */
export type McpCallResult = Partial<CallToolResult> & { readonly toolResult?: unknown };

const SUMMARY_MAX_CHARS = 200;

// The server validates its own input against the schema it published; ours only insists on an object.
const mcpInputSchema = z.looseObject({});

/** `mcp__<server>__<tool>`, characters outside `[A-Za-z0-9_-]` replaced by `_` (providers reject them in tool names). */
export function toMcpToolName(server: string, tool: string): string {
  return `mcp__${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * One MCP tool as a workspace tool: its input schema passed to the model as is, offered under the
 * `read` ceiling only when the server marks it `readOnlyHint` (anything else may change anything,
 * not only the workspace, so it needs `full`). A result with `isError`, or a call that fails, is
 * TOOL_FAILED with the server's message; an abort is rethrown as it came.
 */
export function toMcpWorkspaceTool(server: string, tool: Tool, callTool: McpToolCaller): WorkspaceTool<Readonly<Record<string, unknown>>> {
  const name = toMcpToolName(server, tool.name);
  return {
    name,
    permission: tool.annotations?.readOnlyHint === true ? 'read' : 'full',
    description: tool.description ?? tool.annotations?.title ?? tool.title ?? `${tool.name} (MCP server ${server})`,
    inputSchema: mcpInputSchema,
    inputJsonSchema: tool.inputSchema,
    summarize: (input) => summarizeInput(input),
    async execute(input, context) {
      let result: McpCallResult;
      try {
        result = await callTool(tool.name, input, context.signal);
      } catch (error) {
        // The SDK wraps the abort reason in an McpError; the task's own reason goes back up, untouched.
        if (context.signal.aborted) throw context.signal.reason ?? error;
        const message = error instanceof Error ? error.message : String(error);
        throw new EnsembleError('TOOL_FAILED', `${name}: ${message}`, { details: { server, tool: tool.name }, cause: error });
      }
      const output = toToolOutput(result);
      if (result.isError === true) throw new EnsembleError('TOOL_FAILED', output, { details: { server, tool: tool.name } });
      return { output };
    },
  };
}

/**
 * The text the model sees of a tool result: text parts joined by blank lines, text resources'
 * text under their URI, and binary parts (images, audio, blobs) described by type and size rather
 * than dumped as base64; structured content when there is nothing else.
 */
export function toToolOutput(result: McpCallResult): string {
  const parts = (result.content ?? []).map(describeContent);
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  if (parts.length === 0 && result.toolResult !== undefined) parts.push(typeof result.toolResult === 'string' ? result.toolResult : JSON.stringify(result.toolResult));
  return parts.length === 0 ? '(no output)' : parts.join('\n\n');
}

function describeContent(content: ContentBlock): string {
  switch (content.type) {
    case 'text':
      return content.text;
    case 'image':
    case 'audio':
      return `[${content.type} ${content.mimeType}, ${formatBytes(base64Bytes(content.data))}]`;
    case 'resource_link':
      return `[resource link ${content.uri}${content.mimeType === undefined ? '' : ` (${content.mimeType})`}: ${content.name}]`;
    case 'resource': {
      const resource = content.resource;
      const kind = resource.mimeType === undefined ? '' : ` (${resource.mimeType})`;
      if ('text' in resource) return `[resource ${resource.uri}${kind}]\n${resource.text}`;
      return `[resource ${resource.uri}${kind}, ${formatBytes(base64Bytes(resource.blob))}]`;
    }
    default:
      return `[${(content as { type: string }).type} content]`;
  }
}

function summarizeInput(input: Readonly<Record<string, unknown>>): string {
  const text = JSON.stringify(input).replace(/\s+/g, ' ');
  return text.length <= SUMMARY_MAX_CHARS ? text : `${text.slice(0, SUMMARY_MAX_CHARS - 1)}…`;
}

function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}

function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KiB`;
}
