/** Agents: definitions and their registry, the built-in catalogue, in-process agents, runtimes and the local dispatcher. */
export { parseAgentDefinition } from './registry/index.js';
export type { AgentDefinition } from './registry/index.js';
export { AGENT_RUNTIMES, PROMPT_PLACEHOLDER } from './schema.js';
export type { AgentRuntimeKind } from './schema.js';
export { AgentRegistry } from './registry/index.js';
export type { AgentRegistryOptions } from './registry/index.js';
export { loadAgentRegistry } from './registry/index.js';
export type { LoadAgentRegistryOptions } from './registry/index.js';
export { builtinAgentsDir } from './registry/index.js';
export { registerAgent, unregisterAgent, inProcessAgents } from './in-process-agents.js';
export type { InProcessAgent, InProcessAgentContext } from './in-process-agents.js';
/** What an in-process agent's `ctx.bus` and `ctx.shared` offer (send, reply, request, wait; get, update). */
export type { InProcessBus, InProcessSharedContext, InProcessMessage, InProcessWaitOptions } from './in-process-bus.js';
/** In-process agents as an `AgentRuntime` (kind `in-process`), and one attempt of one such agent. */
export { createInProcessRuntime, runInProcessAgent } from './in-process-agents.js';
export type { InProcessDispatchContext } from './in-process-agents.js';
export type { AgentRuntime, AgentInvocation } from './agent-runtime.js';
export { createCommandRuntime } from './process/index.js';
export type { AgentWindowLauncher } from './process/index.js';
export type { CommandRuntimeOptions } from './process/index.js';
/**
 * SIGKILLs, synchronously, every process of every `command`/`cli` agent this process runs (a second
 * Ctrl-C); returns how many agents were running.
 */
export { killLiveProcessGroups } from './process/index.js';
/**
 * Kills what is left of a process agent whose orchestrator died, from its journaled `agent:process`
 * record (same host only; a reused pid is told apart by its start time): `killed`, `gone` or `other-host`.
 */
export { killLeftoverAgentProcesses, killRunAgentProcesses } from './process/index.js';
/** The fields of an `agent:process` event that find the agent's processes, and what the kill found. */
export type { AgentProcessRecord, LeftoverKill } from './process/index.js';
/**
 * What `kill -9`ed ensemble processes left on this host: their agents' scratch folders and empty
 * cgroups. `list…` shows what the matching `sweep…` would remove (`ensemble cleanup --dry-run`);
 * `sweepAbandonedScratchDirs` returns the folders it removed.
 */
export { listAbandonedScratchDirs, listAbandonedCgroups, sweepAbandonedScratchDirs, sweepAbandonedCgroups } from './process/index.js';
/** /proc readers the resource monitor shares with the agents' limits: the process table, one stat line, a cgroup's CPU and memory. */
export { parseProcStat, readProcessTable, CLOCK_TICKS_PER_SECOND, readCgroupCpuSeconds, readCgroupMemoryBytes } from './process/index.js';
export type { ProcStat } from './process/index.js';
/** Processes of this host tagged as agents of a run (`ENSEMBLE_RUN_ID`), by run id: what `killRunAgentProcesses` finds. */
export { listTaggedAgentProcesses } from './process/index.js';
export type { AbandonedCgroup, TaggedAgentProcess } from './process/index.js';
/** The environment of a process agent: the allow-list, what its `env:` declares, then the task's variables. */
export { buildAgentEnvironment, PASSED_ENVIRONMENT_NAMES, PASSED_ENVIRONMENT_PREFIXES } from './process/index.js';
export { createSimulatedRuntime } from './simulated/index.js';
export type { SimulatedRuntimeOptions } from './simulated/index.js';
export { SIMULATED_LABEL } from './simulated/index.js';
export { LocalDispatcher } from './local-dispatcher.js';
/**
 * An `<ESCALATE reason="…">` block in an agent's output (the way agents without the Escalate tool ask
 * a person), and the `AGENT_ESCALATED` error an escalated attempt rejects with (details: the request).
 */
export { parseEscalation, toEscalatedError } from './parse-escalation.js';
export type { ParsedEscalation } from './parse-escalation.js';
/** The model reference of a task: its own, else the run's, else its agent's, else the default. */
export { modelReferenceFor } from './local-dispatcher.js';
export type { LocalDispatcherOptions } from './local-dispatcher.js';
export { simulatedLatencyFromEnv } from './simulated/index.js';
/** How a `cli` agent's stdout is read (`text`, `claude-json`, `gemini-json`, `codex-jsonl`), and the type of one. */
export { CLI_OUTPUT_FORMATS } from './schema.js';
export type { CliOutputFormat } from './schema.js';
/** A `cli` agent's output format: the one its definition names, else inferred from its command, else `text`. */
export { resolveCliOutputFormat } from './cli/index.js';
/** Readers of Claude Code, Gemini CLI and Codex structured output, for callers that run those CLIs themselves. */
export { parseClaudeJson, parseGeminiJson, parseCodexJsonl } from './cli/index.js';
/** What a CLI's structured stdout says: an answer with usage and cost, a failure it reported, or nothing readable. */
export type { CliOutputReading, CliProcessOutput } from './cli/index.js';
/** The `llm` runtime: agents on a model through the Vercel AI SDK (Anthropic, OpenAI, Google, Ollama, OpenAI-compatible servers). */
export { createLlmRuntime, DEFAULT_MAX_OUTPUT_TOKENS } from './llm/index.js';
/** The `llm` runtime (with `describeModel`) and its options. */
export type { LlmRuntime, LlmRuntimeOptions } from './llm/index.js';
/** The system prompt and user message of an `llm` task. */
export { composeLlmMessages } from './llm/index.js';
/** The two texts a model receives. */
export type { LlmMessages } from './llm/index.js';
/** Readies a run's `llm` tasks before it starts: checks their models and prices, fills their default timeout and retry. */
export { prepareLlmRun, withLlmTaskDefaults } from './llm/index.js';
/** What {@link prepareLlmRun} needs, and one task's use of a model. */
export type { PrepareLlmRunOptions, LlmModelUse } from './llm/index.js';
