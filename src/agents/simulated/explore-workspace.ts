import { createHash } from 'node:crypto';
import { isEnsembleError } from '../../core/index.js';
import type { ActivityReporter } from '../../core/index.js';
import { globTool, readTool } from '../../tools/index.js';
import type { ToolContext, WorkspaceTool } from '../../tools/index.js';

/** Files a simulated agent considers after its Glob (sorted by name): bounds the work on a huge workspace. */
export const MAX_SIMULATED_CANDIDATES = 500;
/** Lines one simulated Read asks for: a file's head is enough to name a line. */
export const SIMULATED_READ_LINES = 120;
/** How long the simulated Glob may walk before it gives up (a huge workspace must not slow the demo), in ms. */
export const SIMULATED_GLOB_TIMEOUT_MS = 2_000;

// Source and text files worth quoting; lock files, images and build output are not.
const QUOTABLE = /\.(?:[cm]?[jt]sx?|py|go|rs|java|kt|rb|php|cs|c|h|cc|cpp|hpp|swift|scala|sh|sql|css|scss|html|vue|svelte|md|ya?ml|toml)$/i;
const SKIPPED = /(?:^|\/)(?:dist|build|coverage|vendor|\.next|target)\//;

/** A line of a workspace file the simulated agent read. */
export interface ReadFileLine {
  /** Workspace-relative path. */
  readonly path: string;
  /** 1-based line number, as Read numbered it. */
  readonly line: number;
  readonly text: string;
}

export interface ExploreWorkspaceInput {
  readonly workspaceDir: string;
  readonly taskId: string;
  readonly signal: AbortSignal;
  readonly reportEvent?: ActivityReporter | undefined;
}

/**
 * What a simulated agent with read tools does before it answers: `Glob **\/*` on the workspace,
 * then `Read` of 1–3 source files chosen by a hash of the task id, through the same tool
 * implementations and `agent:tool` events as a model's calls. Returns one notable line per file
 * read. Deterministic for the same workspace and task; bounded in files considered, lines read and
 * (for the walk) time. A failed call is reported and skipped; only the task's abort propagates.
 */
export async function exploreWorkspace(input: ExploreWorkspaceInput): Promise<ReadFileLine[]> {
  let callNumber = 0;
  const call = async <Input>(tool: WorkspaceTool<Input>, toolInput: Input, signal: AbortSignal): Promise<string | undefined> => {
    callNumber++;
    const base = { callId: `simulated-${callNumber}`, tool: tool.name, input: tool.summarize(toolInput) };
    input.reportEvent?.('agent:tool', { ...base, state: 'start' });
    const startedAt = performance.now();
    const context: ToolContext = { workspaceDir: input.workspaceDir, signal };
    try {
      const { output } = await tool.execute(toolInput, context);
      input.reportEvent?.('agent:tool', { ...base, state: 'end', ok: true, resultChars: output.length, durationMs: Math.round(performance.now() - startedAt) });
      return output;
    } catch (error) {
      if (input.signal.aborted) throw input.signal.reason;
      const message = isEnsembleError(error) || error instanceof Error ? error.message : String(error);
      input.reportEvent?.('agent:tool', { ...base, state: 'end', ok: false, resultChars: message.length, durationMs: Math.round(performance.now() - startedAt), error: message.slice(0, 500) });
      return undefined;
    }
  };
  const listing = await call(globTool, { pattern: '**/*' }, AbortSignal.any([input.signal, AbortSignal.timeout(SIMULATED_GLOB_TIMEOUT_MS)]));
  if (listing === undefined) return [];
  // By name, not Glob's newest-first order: the choice must not depend on modification times.
  const candidates = listing
    .split('\n')
    .filter((path) => QUOTABLE.test(path) && !SKIPPED.test(path) && !path.startsWith('('))
    .sort()
    .slice(0, MAX_SIMULATED_CANDIDATES);
  const found: ReadFileLine[] = [];
  for (const path of pickFiles(candidates, input.taskId)) {
    const text = await call(readTool, { file_path: path, limit: SIMULATED_READ_LINES }, input.signal);
    const line = text === undefined ? undefined : notableLine(text);
    if (line !== undefined) found.push({ path, ...line });
  }
  return found;
}

/** 1–3 distinct files, chosen by SHA-256 of the task id (with each path, so the choice is stable as files come and go). */
export function pickFiles(candidates: readonly string[], taskId: string): string[] {
  if (candidates.length === 0) return [];
  const wanted = Math.min(candidates.length, 1 + (hashOf(taskId) % 3));
  return candidates
    .map((path) => ({ path, rank: hashOf(`${taskId}\0${path}`) }))
    .sort((left, right) => left.rank - right.rank || (left.path < right.path ? -1 : 1))
    .slice(0, wanted)
    .map((entry) => entry.path);
}

function hashOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

// A declaration or marker is worth quoting; blank lines and braces are not.
const NOTABLE = /\b(?:export|function|class|def|interface|type|struct|fn|func|TODO|FIXME)\b/;

/** The first notable line of a Read result (`   12\ttext` rows), else its first non-blank one. */
export function notableLine(readOutput: string): { line: number; text: string } | undefined {
  const rows: { line: number; text: string }[] = [];
  for (const row of readOutput.split('\n')) {
    const match = /^\s*(\d+)\t(.*)$/.exec(row);
    if (match !== null && match[2]!.trim() !== '') rows.push({ line: Number(match[1]), text: match[2]!.trim().slice(0, 120) });
  }
  return rows.find((row) => NOTABLE.test(row.text)) ?? rows[0];
}
