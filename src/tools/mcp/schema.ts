import { z } from 'zod';

/** What an MCP server's name may hold: it becomes part of tool names (`mcp__<server>__<tool>`), which providers restrict. */
export const MCP_SERVER_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

// Claude Code's messages are terse; ours name what is missing, as `mcpServers.github.command: required`.
const requiredString = () =>
  z.string({ error: (issue) => (issue.input === undefined ? 'required' : 'expected a string') }).min(1, 'must not be empty');
const stringList = z.array(z.string({ error: 'expected a string' }), { error: 'expected a list of strings' });
const stringMap = z.record(z.string(), z.string({ error: 'expected a string' }), { error: 'expected a mapping of names to strings' });

function buildEntrySchema(isStrict: boolean) {
  const object = isStrict ? z.strictObject : z.object;
  const stdio = object({
    type: z.literal('stdio').optional(),
    command: requiredString(),
    args: stringList.optional(),
    env: stringMap.optional(),
  });
  const remote = object({
    type: z.enum(['http', 'sse'], { error: 'expected "stdio", "http" or "sse"' }),
    url: requiredString(),
    headers: stringMap.optional(),
  });
  // Without `type` an entry is stdio, as in Claude Code; an unknown `type` is named rather than reported as no union member.
  return z.discriminatedUnion('type', [stdio, remote], {
    error: (issue) => (issue.code === 'invalid_union' ? 'expected "stdio", "http" or "sse"' : undefined),
  });
}

/**
 * One MCP server, in Claude Code's `.mcp.json` shape: stdio `{command, args?, env?}` (with an
 * optional `type: "stdio"`) or remote `{type: "http" | "sse", url, headers?}`. Strict (an unknown
 * field is an error): for ensemble's own config file, `mcpServers: {<name>: <entry>}`. Values may
 * hold `${VAR}` and `${VAR:-default}`, expanded when the servers are loaded.
 */
export const mcpServerEntrySchema = buildEntrySchema(true);

/** The same shape, tolerant of fields Claude Code may add, for `.mcp.json` (a file Claude Code owns). */
export const mcpJsonServerEntrySchema = buildEntrySchema(false);

const serverNameSchema = z.string().regex(MCP_SERVER_NAME_PATTERN);
const SERVER_NAME_MESSAGE = 'a server name may hold only letters, digits, "-" and "_"';
// A record's own `error` also words its key issues: keep the name's message for those.
const serversRecordError = (issue: { code: string }): string => (issue.code === 'invalid_key' ? SERVER_NAME_MESSAGE : 'expected a mapping of server names to servers');

/** The config file's `mcpServers:` mapping, server name to {@link mcpServerEntrySchema}. */
export const mcpServersConfigSchema = z.record(serverNameSchema, mcpServerEntrySchema, { error: serversRecordError });

/** `.mcp.json`: `{"mcpServers": {"<name>": <entry>}}`; other top-level fields are Claude Code's and ignored. */
export const mcpJsonFileSchema = z.object(
  { mcpServers: z.record(serverNameSchema, mcpJsonServerEntrySchema, { error: serversRecordError }).default({}) },
  { error: 'expected an object with "mcpServers"' },
);

/** An MCP server entry as written (before `${VAR}` expansion). */
export type McpServerEntry = z.output<typeof mcpServerEntrySchema>;

/** Where a server's definition came from, for messages. */
export type McpServerSource = string;

/** A server ready to start: its variables expanded, the file it came from named. */
export type McpServerDefinition = McpStdioServerDefinition | McpRemoteServerDefinition;

interface McpServerDefinitionBase {
  /** Letters, digits, `-` and `_`. */
  readonly name: string;
  /** The file it came from (`.mcp.json`, `ensemble.config.yaml`), for messages. */
  readonly source: McpServerSource;
  /**
   * Variables a value used (`${VAR}` without a default) that are not set: the server is kept, so a run
   * that never needs it is not stopped, but starting it fails with MCP_SERVER_FAILED naming them.
   */
  readonly missingVariables: readonly string[];
}

export interface McpStdioServerDefinition extends McpServerDefinitionBase {
  readonly type: 'stdio';
  /** The program, run without a shell (argv array). */
  readonly command: string;
  readonly args: readonly string[];
  /** Set on top of the allow-listed environment. */
  readonly env: Readonly<Record<string, string>>;
}

export interface McpRemoteServerDefinition extends McpServerDefinitionBase {
  /** `http` is MCP's Streamable HTTP transport; `sse` the older HTTP+SSE one. */
  readonly type: 'http' | 'sse';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}
