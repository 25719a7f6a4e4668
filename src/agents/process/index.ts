export { createCommandRuntime } from './command-runtime.js';
export type { CommandRuntimeOptions } from './command-runtime.js';
export { killLiveProcessGroups } from './live-process-trees.js';
export { killLeftoverAgentProcesses } from './kill-leftover-agent-processes.js';
export type { AgentProcessRecord, LeftoverKill } from './kill-leftover-agent-processes.js';
export { buildAgentEnvironment, PASSED_ENVIRONMENT_NAMES, PASSED_ENVIRONMENT_PREFIXES } from './build-agent-environment.js';
/** Kills this host's processes of a run found by their environment (`ENSEMBLE_RUN_ID`), for a resume after a crash. */
export { killRunAgentProcesses } from './kill-run-agent-processes.js';
/** Runs the `Bash` tool's commands as process agents run: argv `bash -c <command>`, limits, the whole process tree killed on timeout or abort. */
export { createShellRunner } from './create-shell-runner.js';
export type { ShellRunnerOptions } from './create-shell-runner.js';
/** The work tree before and after an attempt: its diff, new files included (tool-using llm agents use it too). */
export { snapshotWorkTree, diffSinceSnapshot } from './work-tree-snapshot.js';
export type { WorkTreeSnapshot } from './work-tree-snapshot.js';
export { createAttemptDir, removeAttemptDir } from './agent-scratch-dir.js';
/** What `kill -9`ed ensemble processes left on this host (scratch folders, empty cgroups): listed, or swept (`ensemble cleanup`). */
export { sweepAbandonedScratchDirs } from './agent-scratch-dir.js';
export { sweepAbandonedCgroups, readCgroupCpuSeconds, readCgroupMemoryBytes } from './agent-cgroup.js';
/** The /proc process table: one process's stat line, every process, and the unit of its CPU times. */
export { parseProcStat, readProcessTable, CLOCK_TICKS_PER_SECOND } from './proc-stat.js';
export type { ProcStat } from './proc-stat.js';
export { listTaggedAgentProcesses } from './list-abandoned-agent-files.js';
export type { TaggedAgentProcess } from './list-abandoned-agent-files.js';
export { listAbandonedScratchDirs } from './agent-scratch-dir.js';
export { listAbandonedCgroups } from './agent-cgroup.js';
export type { AbandonedCgroup } from './agent-cgroup.js';
export { enterWorkspace } from './workspace-activity.js';
export type { WorkspaceVisit } from './workspace-activity.js';
/** Runs a process agent in a window a person can watch (a tmux team's): the port a `TmuxTeam` fits. */
export type { AgentWindowLauncher } from './run-agent-process-in-window.js';
