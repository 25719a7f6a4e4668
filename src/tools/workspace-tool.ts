import type { z } from 'zod';
import type { ActivityReporter, EscalationRequest, LeaseGuard, PermissionCeiling } from '../core/index.js';

/**
 * Runs one shell command for the `Bash` tool: in `cwd`, as the leader of a new process group,
 * under the agent's process limits, killed with every descendant when `signal` aborts or
 * `timeoutMs` passes. Implemented by the agents domain on its process runner, so Bash gets the
 * same tracking (cgroup or /proc), environment allow-list and `agent:process` journaling as
 * `command` agents.
 */
export type ShellRunner = (request: ShellRequest) => Promise<ShellResult>;

export interface ShellRequest {
  /** The command exactly as the model wrote it; the only text ensemble ever hands to a shell. */
  readonly command: string;
  /** The workspace's real path. */
  readonly cwd: string;
  readonly timeoutMs: number;
  /** Characters of stdout and of stderr kept each (the end is cut and marked). */
  readonly maxOutputChars: number;
  readonly signal: AbortSignal;
}

export interface ShellResult {
  readonly stdout: string;
  readonly stderr: string;
  /** null when killed by a signal. */
  readonly exitCode: number | null;
  /** True when the command ran past `timeoutMs` and was killed with its children. */
  readonly isTimedOut: boolean;
  /** True when output past `maxOutputChars` was cut. */
  readonly isTruncated: boolean;
}

/** What a tool call runs with: the task's workspace and signal, and the ports it may use. */
export interface ToolContext {
  /** The real path (symbolic links resolved) of the task's workspace: every path is confined to it. */
  readonly workspaceDir: string;
  /** Aborts with the task: a running tool stops and its processes are killed. */
  readonly signal: AbortSignal;
  /** Runs `Bash` commands; absent where no shell may run (the tool is then not offered). */
  readonly runShell?: ShellRunner;
  /**
   * The task's file leases (`locks` mode of a ticket run): `Write` and `Edit` refuse a path the task
   * does not hold, and `Bash` reverts what a command changed outside them. Absent: no leases apply.
   */
  readonly leases?: LeaseGuard;
  /** Journals activity of the call beyond `agent:tool` (`lease:refused`). @default none */
  readonly reportEvent?: ActivityReporter;
}

/** What a tool call hands back to the model, and what ensemble records of it. */
export interface ToolResult {
  /** The text the model sees. */
  readonly output: string;
  /** The workspace files the call wrote, relative to the workspace (Write, Edit). */
  readonly files?: readonly string[];
  /**
   * Set by `Escalate`: the attempt ends with this call and asks a person (the agent loop stops at
   * once and the attempt rejects with `AGENT_ESCALATED`); `output` is only recorded.
   */
  readonly escalation?: EscalationRequest;
}

/**
 * One tool a model may call, with Claude Code's name and input shape. `execute` resolves with the
 * text for the model; a call the tool refuses (a path outside the workspace, an `Edit` whose text
 * does not match once) or that fails throws an EnsembleError `TOOL_REFUSED` / `TOOL_FAILED`, whose
 * message the model is shown as the call's error. Nothing a tool throws ends the task.
 */
export interface WorkspaceTool<Input = unknown> {
  /** `Read`, `Write`, `Edit`, `Glob`, `Grep`, `Bash`, or `mcp__<server>__<tool>`. */
  readonly name: string;
  /** The least ceiling under which the tool is offered: `read`, `edit` or `full`. */
  readonly permission: PermissionCeiling;
  /** For the model: what the tool does and how to call it. */
  readonly description: string;
  /** The input the model must send, validated before `execute` runs (a bad input is the model's error, not the task's). */
  readonly inputSchema: z.ZodType<Input>;
  /** What the model is told the input is, as JSON Schema, when `inputSchema` cannot say it (MCP tools bring their own). @default derived from `inputSchema` */
  readonly inputJsonSchema?: Readonly<Record<string, unknown>>;
  /** A short, single-line summary of an input for events and views (`src/app.ts:1-200`, `npm test`). */
  summarize(input: Input): string;
  execute(input: Input, context: ToolContext): Promise<ToolResult>;
}
