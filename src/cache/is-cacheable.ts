import { PERMISSION_CEILINGS, type PermissionCeiling } from '../core/index.js';
import type { AgentDefinition } from '../agents/index.js';

/** The parts of an agent definition that decide whether its outputs may be reused. */
export type CacheableAgentFields = Pick<AgentDefinition, 'name' | 'runtime' | 'tools'>;

/** Runtimes whose answer is a function of what they are handed: a model, or the offline simulation. `cli`/`command` run programs. */
const CACHEABLE_RUNTIMES: ReadonlySet<string> = new Set(['llm', 'simulated']);

/** Claude Code's file-changing tools: ensemble implements Write and Edit; the others count too, should they ever be offered. */
const WRITE_TOOLS: ReadonlySet<string> = new Set(['Write', 'Edit', 'NotebookEdit', 'MultiEdit']);
const SHELL_TOOL = 'Bash';
const MCP_PREFIX = 'mcp__';

/**
 * Why the outputs of `agent` must not be reused under the run's permission `ceiling`, or undefined
 * when they may. Only agents whose effective tools (the `tools` list within the ceiling; every
 * builtin within it when the list is empty, as the `llm` runtime offers them) can neither write
 * files (`Write`, `Edit`, `NotebookEdit`, `MultiEdit` under `edit` or `full`), nor run commands
 * (`Bash` under `full`), nor call MCP tools (`mcp__…`: effects unknown, whatever the ceiling), and
 * that run as `llm` or `simulated`, are cacheable: reusing the answer of a task that changed
 * something would skip the change.
 */
export function uncacheableReason(agent: CacheableAgentFields, ceiling: PermissionCeiling): string | undefined {
  if (!CACHEABLE_RUNTIMES.has(agent.runtime)) return `agent ${agent.name} runs as "${agent.runtime}" (a program, with effects the cache cannot see)`;
  const mayEdit = rank(ceiling) >= rank('edit');
  const mayRun = rank(ceiling) >= rank('full');
  if (agent.tools.length === 0) {
    // An empty list offers every builtin within the ceiling (see selectTools).
    if (mayRun) return `agent ${agent.name} names no tools, so under --permissions ${ceiling} it gets Write, Edit and Bash`;
    if (mayEdit) return `agent ${agent.name} names no tools, so under --permissions ${ceiling} it gets Write and Edit`;
    return undefined;
  }
  for (const entry of agent.tools) {
    const name = toolName(entry);
    if (name.startsWith(MCP_PREFIX)) return `agent ${agent.name} may call the MCP tool ${name} (effects unknown)`;
    if (WRITE_TOOLS.has(name) && mayEdit) return `agent ${agent.name} may ${name} files under --permissions ${ceiling}`;
    if (name === SHELL_TOOL && mayRun) return `agent ${agent.name} may run Bash under --permissions ${ceiling}`;
  }
  return undefined;
}

/** Whether the outputs of `agent` may be reused under the run's permission `ceiling`; see {@link uncacheableReason}. */
export function isCacheable(agent: CacheableAgentFields, ceiling: PermissionCeiling): boolean {
  return uncacheableReason(agent, ceiling) === undefined;
}

function rank(ceiling: PermissionCeiling): number {
  return PERMISSION_CEILINGS.indexOf(ceiling);
}

/** `Bash(npm test)` → `Bash`: a pattern narrows nothing ensemble enforces, so the tool counts whole. */
function toolName(entry: string): string {
  const trimmed = entry.trim();
  const patternStart = trimmed.indexOf('(');
  return patternStart > 0 && trimmed.endsWith(')') ? trimmed.slice(0, patternStart).trim() : trimmed;
}
