import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EnsembleError, toInputIssues } from '../../core/index.js';
import { expandVariables } from './expand-variables.js';
import { mcpJsonFileSchema } from './schema.js';
import type { McpServerDefinition, McpServerEntry } from './schema.js';

/** The file Claude Code reads a project's MCP servers from, at the workspace's root. */
export const MCP_JSON_FILE_NAME = '.mcp.json';

export interface LoadMcpServersOptions {
  /** The workspace whose `.mcp.json` is read (absent file: no servers from it). */
  readonly workspaceDir: string;
  /** The config file's `mcpServers:` (validated by `mcpServersConfigSchema`); a name there replaces the same name in `.mcp.json`. */
  readonly configServers?: Readonly<Record<string, McpServerEntry>>;
  /** The config file's name, for messages. @default 'ensemble.config.yaml' */
  readonly configSource?: string;
  /** Where `${VAR}` is looked up. @default process.env */
  readonly variables?: Readonly<Record<string, string | undefined>>;
}

/**
 * The MCP servers of a run: the workspace's `.mcp.json` (Claude Code's project format), then the
 * config file's `mcpServers:`, which win on a shared name (the user's explicit setting over the
 * repository's). `${VAR}` and `${VAR:-default}` are expanded in command, args, env, url and headers;
 * a variable that is not set does not fail the load but the server's start (see `missingVariables`).
 * @throws EnsembleError `INVALID_CONFIG` naming the file, server and field: `.mcp.json: mcpServers.github.command: required`
 */
export async function loadMcpServers(options: LoadMcpServersOptions): Promise<readonly McpServerDefinition[]> {
  const variables = options.variables ?? process.env;
  const servers = new Map<string, McpServerDefinition>();
  const fromFile = await readMcpJson(join(options.workspaceDir, MCP_JSON_FILE_NAME));
  for (const [name, entry] of Object.entries(fromFile)) servers.set(name, toDefinition(name, entry, MCP_JSON_FILE_NAME, variables));
  const configSource = options.configSource ?? 'ensemble.config.yaml';
  for (const [name, entry] of Object.entries(options.configServers ?? {})) servers.set(name, toDefinition(name, entry, configSource, variables));
  return [...servers.values()];
}

async function readMcpJson(path: string): Promise<Readonly<Record<string, McpServerEntry>>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new EnsembleError('INVALID_CONFIG', `${MCP_JSON_FILE_NAME}: ${(error as Error).message}`, { details: { file: path }, cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new EnsembleError('INVALID_CONFIG', `${MCP_JSON_FILE_NAME}: invalid JSON: ${(error as Error).message}`, { details: { file: path } });
  }
  const parsed = mcpJsonFileSchema.safeParse(data);
  if (!parsed.success) {
    const issues = toInputIssues(parsed.error);
    throw new EnsembleError('INVALID_CONFIG', issues.map((issue) => `${MCP_JSON_FILE_NAME}: ${issue.path}: ${issue.message}`).join('\n'), {
      details: { file: path, issues },
    });
  }
  return parsed.data.mcpServers;
}

function toDefinition(name: string, entry: McpServerEntry, source: string, variables: Readonly<Record<string, string | undefined>>): McpServerDefinition {
  const missing = new Set<string>();
  const expand = (text: string): string => {
    const expanded = expandVariables(text, variables);
    for (const variable of expanded.missing) missing.add(variable);
    return expanded.value;
  };
  const expandValues = (record: Readonly<Record<string, string>> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(record ?? {}).map(([key, value]) => [key, expand(value)]));
  if ('command' in entry) {
    const command = expand(entry.command);
    const args = (entry.args ?? []).map(expand);
    const env = expandValues(entry.env);
    return { name, source, type: 'stdio', command, args, env, missingVariables: [...missing] };
  }
  const url = expand(entry.url);
  const headers = expandValues(entry.headers);
  return { name, source, type: entry.type, url, headers, missingVariables: [...missing] };
}
