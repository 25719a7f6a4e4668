import { PERMISSION_CEILINGS, type PermissionCeiling } from '../core/index.js';
import { ESCALATE_TOOL_NAME } from './escalate-tool.js';
import { REQUEST_LEASE_TOOL_NAME } from './request-lease-tool.js';
import { SEND_MESSAGE_TOOL_NAME } from './send-message-tool.js';
import type { WorkspaceTool } from './workspace-tool.js';

/** What else decides an agent's tools besides its list and the ceiling. */
export interface SelectToolsOptions {
  /** Whether the run's agents talk to each other (`enableCommunication`): without it `SendMessage` is never offered. @default false */
  readonly communication?: boolean;
}

/** A tool of an MCP server an agent asked for: `mcp__<server>` (every tool of it) or `mcp__<server>__<tool>`. */
export interface McpToolReference {
  readonly server: string;
  /** Absent when the agent asked for every tool of the server. */
  readonly tool?: string;
}

/** What {@link selectTools} decided about an agent's `tools` list. */
export interface ToolSelection {
  /** The builtin tools to offer the model, in the order of `builtins`. */
  readonly tools: readonly WorkspaceTool[];
  /** The MCP tools asked for, in the order asked (the runtime resolves them and applies the ceiling to each tool). */
  readonly mcp: readonly McpToolReference[];
  /** Names ensemble does not implement (`Task`, `WebFetch`, `NotebookEdit`, …), each once: ignored, to be warned about. */
  readonly unknown: readonly string[];
  /** Builtin tools asked for but above the run's ceiling, each once: not offered. */
  readonly withheld: readonly string[];
  /**
   * Entries with a Claude Code permission pattern, such as `Bash(npm test)` or `Read(src/**)`: the
   * tool is offered (within the ceiling) but the pattern is not enforced, so they are listed to be warned about.
   */
  readonly unenforcedPatterns: readonly string[];
}

/** Whether a tool needing `permission` may be offered under `ceiling` (`read` < `edit` < `full`). */
export function isWithinCeiling(permission: PermissionCeiling, ceiling: PermissionCeiling): boolean {
  return PERMISSION_CEILINGS.indexOf(permission) <= PERMISSION_CEILINGS.indexOf(ceiling);
}

const MCP_PREFIX = 'mcp__';

/**
 * Decides which tools an agent gets from its `tools` front matter (Claude Code's names, matched
 * exactly), the run's permission `ceiling`, and the `builtins` ensemble has. An empty list means
 * every builtin tool within the ceiling, and no MCP tool (those must be named). A tool above the
 * ceiling is withheld, never offered. `Bash(npm test)` stands for `Bash`: its pattern is NOT
 * enforced (a prefix check on a shell command is easy to get around with `&&` or `;`, so enforcing
 * one would promise a safety it cannot give); the ceiling is the boundary. `SendMessage` follows
 * the same rules when `options.communication` is on (offered with an empty list, or when named),
 * and is dropped without a word when it is off (a known tool that this run does not use).
 * `Escalate` (when among `allBuiltins`) comes with every selection that offers any tool, named or
 * not: any agent that can act may ask a person. `RequestLease` is never selected here (the runtime
 * offers it to attempts under file leases), and naming it is not an unknown tool.
 */
export function selectTools(requested: readonly string[], ceiling: PermissionCeiling, allBuiltins: readonly WorkspaceTool[], options: SelectToolsOptions = {}): ToolSelection {
  const builtins = options.communication === true ? allBuiltins : allBuiltins.filter((tool) => tool.name !== SEND_MESSAGE_TOOL_NAME);
  if (requested.length === 0) {
    return { tools: builtins.filter((tool) => isWithinCeiling(tool.permission, ceiling)), mcp: [], unknown: [], withheld: [], unenforcedPatterns: [] };
  }
  const wanted = new Set<string>();
  const mcp: McpToolReference[] = [];
  const mcpSeen = new Set<string>();
  const unknown = new Set<string>();
  const unenforcedPatterns = new Set<string>();
  for (const entry of requested) {
    const trimmed = entry.trim();
    if (trimmed === '') continue;
    const patternStart = trimmed.indexOf('(');
    const name = patternStart > 0 && trimmed.endsWith(')') ? trimmed.slice(0, patternStart).trim() : trimmed;
    if (name.startsWith(MCP_PREFIX)) {
      const reference = toMcpReference(name);
      if (reference === undefined) unknown.add(trimmed);
      else if (!mcpSeen.has(name)) {
        mcpSeen.add(name);
        mcp.push(reference);
      }
      continue;
    }
    if (name === REQUEST_LEASE_TOOL_NAME) continue;
    if (!builtins.some((tool) => tool.name === name)) {
      if (name !== SEND_MESSAGE_TOOL_NAME || !allBuiltins.some((tool) => tool.name === name)) unknown.add(name);
      continue;
    }
    wanted.add(name);
    if (name !== trimmed) unenforcedPatterns.add(trimmed);
  }
  const tools: WorkspaceTool[] = [];
  const withheld: string[] = [];
  for (const tool of builtins) {
    if (!wanted.has(tool.name)) continue;
    if (isWithinCeiling(tool.permission, ceiling)) tools.push(tool);
    else withheld.push(tool.name);
  }
  const escalate = builtins.find((tool) => tool.name === ESCALATE_TOOL_NAME);
  if (escalate !== undefined && !wanted.has(ESCALATE_TOOL_NAME) && (tools.length > 0 || mcp.length > 0)) tools.push(escalate);
  return { tools, mcp, unknown: [...unknown], withheld, unenforcedPatterns: [...unenforcedPatterns] };
}

/** `mcp__github` → {server: 'github'}; `mcp__github__create_issue` → {server: 'github', tool: 'create_issue'}; `mcp__` alone → undefined. */
function toMcpReference(name: string): McpToolReference | undefined {
  const rest = name.slice(MCP_PREFIX.length);
  const separator = rest.indexOf('__');
  if (separator === -1) return rest === '' ? undefined : { server: rest };
  const server = rest.slice(0, separator);
  const tool = rest.slice(separator + 2);
  if (server === '') return undefined;
  return tool === '' ? { server } : { server, tool };
}
