import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EnsembleError, sanitizeTerminalText, ZERO_USAGE } from '../../core/index.js';
import type { ContextEntry, PermissionCeiling, TaskOutcome } from '../../core/index.js';
import type { AgentInvocation, AgentRuntime } from '../agent-runtime.js';
import { messagingOf } from '../attempt-messaging.js';
import type { AgentDefinition } from '../registry/index.js';
import type { CliOutput } from '../cli/index.js';
import { sweepAbandonedCgroups } from './agent-cgroup.js';
import { createAttemptDir, removeAttemptDir, sweepAbandonedScratchDirs } from './agent-scratch-dir.js';
import { buildAgentEnvironment } from './build-agent-environment.js';
import { checkArgumentSize } from './check-argument-size.js';
import { openMessageFile } from './message-file.js';
import { hasProcFileSystem } from './proc-stat.js';
import type { MessageFile } from './message-file.js';
import { applyCliOutput, prepareCliEnvironment, readCliOutput, readConfiguredModel, resolveCliOutputFormat } from '../cli/index.js';
import { PROCESS_TAG_VARIABLE, runAgentProcess } from './run-agent-process.js';
import type { AgentProcessInfo, AgentProcessResult } from './run-agent-process.js';
import { diffSinceSnapshot, snapshotWorkTree } from './work-tree-snapshot.js';
import { runAgentProcessInWindow, type AgentWindowLauncher } from './run-agent-process-in-window.js';
import { enterWorkspace } from './workspace-activity.js';
import type { WorkspaceVisit } from './workspace-activity.js';
import { commandRuntimeOptionsSchema, PERMISSIONS_PLACEHOLDER, PROMPT_PLACEHOLDER } from '../schema.js';
import type { CliPermissionMode } from '../schema.js';

/** Bytes of stderr kept for messages and evidence: the last 64 KiB. */
const STDERR_TAIL_BYTES = 64 * 1024;
/** Longest prompt also passed in ENSEMBLE_PROMPT; Linux refuses single variables over 128 KiB. */
const MAX_PROMPT_ENV_BYTES = 100_000;

/** Options of {@link createCommandRuntime}. */
export interface CommandRuntimeOptions {
  /**
   * Largest stdout accepted unless the agent sets `limits.outputBytes`; beyond it the agent's
   * processes are killed and the task fails with `AGENT_LIMIT_EXCEEDED` (limit `output`). @default 10485760 (10 MiB)
   */
  readonly maxOutputBytes?: number;
  /** Delay between SIGTERM and SIGKILL to the agent's processes when the task is aborted, in ms. @default 2000 */
  readonly killGraceMs?: number;
  /**
   * How often an agent's `limits.memoryMb` and `limits.cpuSeconds` are checked and, without a cgroup,
   * its new descendants looked for (Linux, /proc), in ms. @default 150
   */
  readonly limitSampleIntervalMs?: number;
  /** `auto` puts each agent in its own cgroup v2 when one can be created, else tracks it through /proc; `proc` never creates cgroups. @default 'auto' */
  readonly processTracking?: 'auto' | 'proc';
  /** Runs `cli` agents each in a window a person can watch (`tickets run --tmux`: a team's tmux session) instead of as hidden children. */
  readonly windows?: AgentWindowLauncher;
  /**
   * Memory limit, in MB, of every agent whose file sets no `limits.memoryMb` (the run's
   * `resources.agentMemoryMb`), enforced as the file's would be. @default none
   */
  readonly defaultMemoryMb?: number;
}

type CommandRuntimeSettings = Required<Omit<CommandRuntimeOptions, 'windows' | 'defaultMemoryMb'>> & { readonly windows?: AgentWindowLauncher; readonly defaultMemoryMb?: number };

/**
 * The runtime of `command` and `cli` agents: runs the agent's argv (never through a shell) in the
 * workspace, as the leader of a new session and process group, with its processes tracked by a
 * cgroup or /proc (see `AgentProcessTree`). The prompt goes to stdin and replaces any `{prompt}`
 * argument; the environment is an allow-list of ensemble's (see `buildAgentEnvironment`), what the
 * agent declares in `env:`, and ENSEMBLE_RUN_ID, ENSEMBLE_TASK_ID, ENSEMBLE_EXECUTION_ID,
 * ENSEMBLE_ATTEMPT, ENSEMBLE_AGENT_NAME, ENSEMBLE_PROMPT (absent for prompts over 100 kB),
 * ENSEMBLE_PROMPT_FILE, ENSEMBLE_INPUTS (a JSON file `[{taskId, agentName, output}]`),
 * ENSEMBLE_CONTEXT (a JSON file of the rest of its context: `[{key, relation, source, agentName,
 * text, treatment, tokens}]`), ENSEMBLE_MESSAGES (a JSONL file of the messages it received, appended
 * live while it runs; see `openMessageFile`) and ENSEMBLE_PROCESS_TAG. stdout is the output; a
 * non-zero exit is `AGENT_EXIT_NONZERO` (retryable).
 * Evidence: argv template, exit code, stderr tail and, in a git work tree, the diff between
 * snapshots of the work tree taken at the start and the end (`diffShared` when other process tasks
 * worked in the same tree meanwhile). A `cli` agent with `{prompt}` in its argv gets an empty
 * stdin, and its structured output (Claude Code, Gemini CLI, Codex JSON) gives the output, usage
 * and cost (see `readCliOutput`). The agent's process group is announced in `agent:process` events.
 */
export function createCommandRuntime(options: CommandRuntimeOptions = {}): AgentRuntime {
  // The launcher is an object, not data: kept out of the strict schema; the memory default was validated with the run's `resources`.
  const { windows, defaultMemoryMb, ...serialisable } = options;
  const parsed = commandRuntimeOptionsSchema.safeParse(serialisable);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EnsembleError('INVALID_INPUT', `command runtime: ${issue?.path.join('.') ?? 'options'}: ${issue?.message ?? 'invalid'}`);
  }
  if (defaultMemoryMb !== undefined && !(Number.isFinite(defaultMemoryMb) && defaultMemoryMb > 0)) {
    throw new EnsembleError('INVALID_INPUT', `command runtime: defaultMemoryMb: expected a positive number of MB, got ${defaultMemoryMb}`);
  }
  const settings: CommandRuntimeSettings = { ...parsed.data, ...(windows === undefined ? {} : { windows }), ...(defaultMemoryMb === undefined ? {} : { defaultMemoryMb }) };
  // What ensemble processes killed by `kill -9` left behind (one listing of the temp folder).
  sweepAbandonedScratchDirs();
  sweepAbandonedCgroups();
  return {
    kind: 'command',
    run: (invocation, signal) => runCommandAgent(invocation, signal, settings),
  };
}

async function runCommandAgent(invocation: AgentInvocation, signal: AbortSignal, settings: CommandRuntimeSettings): Promise<TaskOutcome> {
  const { request, agent, workspaceDir } = invocation;
  if (signal.aborted) throw signal.reason;
  const template = agent.command;
  if (template === undefined || template.length === 0) {
    throw new EnsembleError('INVALID_AGENT_DEFINITION', `${agent.source}: command: required for runtime "${agent.runtime}"`, {
      details: { agentName: agent.name },
    });
  }
  const prompt = withGuidance(request.task.prompt, request.context);
  // The CLI's own flags for the run's ceiling (`permissions:`); `command` agents have none.
  const permissionMode: CliPermissionMode | undefined = agent.runtime === 'cli' ? agent.permissions?.[request.permissions] : undefined;
  const argv = template.flatMap((argument) =>
    argument === PROMPT_PLACEHOLDER ? [prompt] : argument === PERMISSIONS_PLACEHOLDER ? [...(permissionMode?.args ?? [])] : [argument],
  );
  const scratchDir = createAttemptDir();
  let visit: WorkspaceVisit | undefined;
  let messageFile: MessageFile | undefined;
  try {
    const inputsPath = join(scratchDir, 'inputs.json');
    const contextPath = join(scratchDir, 'context.json');
    const messagesPath = join(scratchDir, 'messages.jsonl');
    const promptPath = join(scratchDir, 'prompt.txt');
    const processTag = randomUUID();
    const isPromptEnvSafe = !prompt.includes('\0') && Buffer.byteLength(prompt) <= MAX_PROMPT_ENV_BYTES;
    const baseEnv = buildAgentEnvironment(process.env, agent.env, {
      ENSEMBLE_RUN_ID: request.runId,
      ENSEMBLE_TASK_ID: request.task.id,
      ENSEMBLE_EXECUTION_ID: request.executionId,
      ENSEMBLE_ATTEMPT: String(request.attempt),
      ENSEMBLE_AGENT_NAME: agent.name,
      ENSEMBLE_INPUTS: inputsPath,
      ENSEMBLE_CONTEXT: contextPath,
      ENSEMBLE_MESSAGES: messagesPath,
      ENSEMBLE_PROMPT_FILE: promptPath,
      [PROCESS_TAG_VARIABLE]: processTag,
      ...(isPromptEnvSafe ? { ENSEMBLE_PROMPT: prompt } : {}),
      ...permissionMode?.env,
    });
    const env = agent.runtime === 'cli' ? { ...baseEnv, ...(await prepareCliEnvironment(resolveCliOutputFormat(agent), baseEnv, scratchDir)) } : baseEnv;
    checkArgumentSize(agent.name, template, argv, env);
    const inputs = request.inputs.map(({ taskId, agentName, output }) => ({ taskId, agentName, output }));
    await writeFile(inputsPath, JSON.stringify(inputs), { mode: 0o600 });
    await writeFile(contextPath, JSON.stringify(request.context), { mode: 0o600 });
    await writeFile(promptPath, prompt, { mode: 0o600 });
    messageFile = await openMessageFile(messagesPath, request.runId, messagingOf(invocation));
    const snapshot = await snapshotWorkTree(workspaceDir, scratchDir, signal, (topLevel) => {
      visit = enterWorkspace(topLevel);
    });
    const announce = (state: 'started' | 'exited', info: AgentProcessInfo): void => {
      const { tracking: _tracking, ...fields } = info;
      invocation.reportEvent?.('agent:process', { state, ...fields });
    };
    const isPromptInArgv = agent.runtime === 'cli' && template.includes(PROMPT_PLACEHOLDER);
    // Every process agent has a memory limit: its file's, else the run's default (issue 13). Without
    // /proc none is enforced, and a default nobody asked for would only warn so on every run.
    const isDefaultApplied = agent.limits?.memoryMb === undefined && settings.defaultMemoryMb !== undefined && hasProcFileSystem();
    const limits = isDefaultApplied ? { ...agent.limits, memoryMb: settings.defaultMemoryMb } : agent.limits;
    const processOptions = {
      agentName: agent.name,
      argv,
      cwd: workspaceDir,
      env,
      processTag,
      maxOutputBytes: agent.limits?.outputBytes ?? settings.maxOutputBytes,
      ...(limits === undefined ? {} : { limits }),
      limitSampleIntervalMs: settings.limitSampleIntervalMs,
      processTracking: settings.processTracking,
      maxStderrBytes: STDERR_TAIL_BYTES,
      killGraceMs: settings.killGraceMs,
      signal,
      onStarted: (info: AgentProcessInfo) => announce('started', info),
      onExited: (info: AgentProcessInfo) => announce('exited', info),
    };
    // A CLI given the prompt as an argument would read stdin as more context and see it twice.
    const result =
      settings.windows !== undefined && agent.runtime === 'cli'
        ? await runAgentProcessInWindow({ ...processOptions, launcher: settings.windows, member: invocation.member ?? agent.name, stdinFile: isPromptInArgv ? '/dev/null' : promptPath })
        : await runAgentProcess({ ...processOptions, stdin: isPromptInArgv ? '' : prompt });
    // First: a CLI that reports its error in its JSON says more than its exit code.
    const cliOutput = agent.runtime === 'cli' ? await readCliResult(agent, argv, env, result, request.permissions, invocation.reportUsage) : undefined;
    if (result.exitCode !== 0) throw toExitError(agent.name, template, result);
    const diff = snapshot === undefined ? undefined : await diffSinceSnapshot(snapshot, signal);
    if (signal.aborted) throw signal.reason;
    const outcome: TaskOutcome = {
      output: result.stdout,
      usage: ZERO_USAGE,
      costUsd: 0,
      evidence: {
        runtime: agent.runtime,
        command: template,
        exitCode: 0,
        stderr: result.stderrTail,
        ...(agent.runtime === 'cli' ? { permissions: request.permissions } : {}),
        ...(diff === undefined ? {} : { diff, diffShared: visit?.isShared ?? false }),
      },
    };
    return cliOutput === undefined ? outcome : applyCliOutput(outcome, cliOutput);
  } finally {
    visit?.leave();
    try {
      await messageFile?.close();
    } finally {
      removeAttemptDir(scratchDir);
    }
  }
}

/** A finished `cli` agent's output read in its format, with what its configuration says of the model. */
async function readCliResult(
  agent: AgentDefinition,
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  result: AgentProcessResult,
  permissions: PermissionCeiling,
  reportUsage: AgentInvocation['reportUsage'],
): Promise<CliOutput> {
  const configuredModel = await readConfiguredModel(resolveCliOutputFormat(agent), env);
  const output = { stdout: result.stdout, stderr: result.stderrTail, exitCode: result.exitCode, permissions, argv, ...(configuredModel === undefined ? {} : { configuredModel }) };
  return readCliOutput(agent, output, reportUsage);
}

function toExitError(agentName: string, command: readonly string[], result: AgentProcessResult): EnsembleError {
  // The last line that says something: colour codes stripped, a closing `}` of a JSON dump skipped.
  const lastLine = sanitizeTerminalText(result.stderrTail)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /[\p{L}\p{N}]/u.test(line))
    .at(-1);
  const how = result.exitCode === null ? `was killed by signal ${result.exitSignal ?? 'unknown'}` : `exited with code ${result.exitCode}`;
  const message = `agent "${agentName}" ${how}${lastLine === undefined ? ' (nothing on stderr)' : `: ${lastLine}`}`;
  return new EnsembleError('AGENT_EXIT_NONZERO', message, {
    retryable: true,
    details: { agentName, command, exitCode: result.exitCode, signal: result.exitSignal, stderrTail: result.stderrTail },
  });
}

/**
 * The prompt a process agent is given: the task's, then, when a person answered its escalations,
 * their guidance under "## Guidance from a person" (CLIs read only the prompt, not ENSEMBLE_CONTEXT).
 */
export function withGuidance(prompt: string, context: readonly ContextEntry[]): string {
  const guidance = context.filter((entry) => entry.relation === 'guidance').map((entry) => entry.text.trim());
  if (guidance.length === 0) return prompt;
  return `${prompt.trimEnd()}\n\n## Guidance from a person\n\n${guidance.join('\n\n')}\n`;
}
