import { EnsembleError } from '../../core/index.js';
import { createSendMessageTool, ESCALATE_TOOL_NAME, isWithinCeiling, requestLeaseTool, SEND_MESSAGE_TOOL_NAME, selectTools, toMcpToolName } from '../../tools/index.js';
import type { WorkspaceTool } from '../../tools/index.js';
import type { AgentInvocation } from '../agent-runtime.js';
import { leasesOf, messagingOf } from '../attempt-messaging.js';

/**
 * The tools an `llm` agent is offered for one attempt: the builtin tools its `tools` list names
 * (every one within the ceiling when the list is empty; see `selectTools`), plus the MCP tools of the
 * servers it names (`mcp__<server>` for all of a server's tools, `mcp__<server>__<tool>` for one),
 * each kept only when the run's ceiling allows it — a tool above the ceiling is not offered at all,
 * so the model never sees it. `SendMessage` is among the builtins when the attempt has messaging (the
 * run's communication is on), bound to the attempt's sender. `Escalate` comes with any tool (see
 * `selectTools`); `RequestLease` is added when the attempt works under file leases and may change
 * files (a tool above `read`). Names ensemble does not implement, and
 * `Bash(npm test)`-style patterns it does not enforce, are reported once each through `invocation.warn`.
 * @throws EnsembleError `MCP_SERVER_FAILED` when a named server is not configured or does not start
 */
export async function offerAgentTools(invocation: AgentInvocation, builtins: readonly WorkspaceTool[], signal: AbortSignal): Promise<readonly WorkspaceTool[]> {
  const { agent, request } = invocation;
  const ceiling = request.permissions;
  const messaging = messagingOf(invocation);
  const selection = selectTools(agent.tools, ceiling, builtins, { communication: messaging !== undefined });
  for (const name of selection.unknown) invocation.warn?.(`agent ${agent.name}: tool ${name} is not implemented by ensemble; ignored`);
  for (const entry of selection.unenforcedPatterns) {
    invocation.warn?.(`agent ${agent.name}: the pattern of "${entry}" is not enforced; the tool is offered within --permissions ${ceiling}`);
  }
  const offered = new Map<string, WorkspaceTool>(
    selection.tools.map((tool) => [tool.name, tool.name === SEND_MESSAGE_TOOL_NAME && messaging !== undefined ? (createSendMessageTool(messaging.send) as WorkspaceTool) : tool]),
  );
  // server → the tool names it was asked for; undefined: all of them.
  const wanted = new Map<string, Set<string> | undefined>();
  for (const { server, tool } of selection.mcp) {
    if (tool === undefined) wanted.set(server, undefined);
    else if (!wanted.has(server)) wanted.set(server, new Set([toMcpToolName(server, tool)]));
    else wanted.get(server)?.add(toMcpToolName(server, tool));
  }
  for (const [server, names] of wanted) {
    if (invocation.mcp === undefined) {
      throw new EnsembleError('MCP_SERVER_FAILED', `agent ${agent.name} uses MCP server "${server}", but no MCP servers are configured (add it to the workspace's .mcp.json or the config file's mcpServers)`, {
        details: { server, agentName: agent.name },
      });
    }
    for (const tool of await invocation.mcp.toolsOf(server, signal)) {
      if ((names === undefined || names.has(tool.name)) && isWithinCeiling(tool.permission, ceiling)) offered.set(tool.name, tool);
    }
  }
  // Escalate after the tools to act with, MCP ones included: the last resort reads last.
  const escalate = offered.get(ESCALATE_TOOL_NAME);
  if (escalate !== undefined) {
    offered.delete(ESCALATE_TOOL_NAME);
    offered.set(ESCALATE_TOOL_NAME, escalate);
  }
  const offeredTools = [...offered.values()];
  if (leasesOf(invocation) !== undefined && offeredTools.some((tool) => tool.permission !== 'read')) offeredTools.push(requestLeaseTool as WorkspaceTool);
  return offeredTools;
}
