import { createHash } from 'node:crypto';
import type { ContextEntry, DependencyOutput, PermissionCeiling, TaskSpec } from '../core/index.js';
import type { AgentDefinition } from '../agents/index.js';
import { toCanonicalJson } from './to-canonical-json.js';

/** Bumped when what a key covers changes, so entries of an older build are never served. */
const KEY_VERSION = 1;

/** Everything a cached output may depend on; see {@link computeCacheKey}. */
export interface CacheKeyInput {
  readonly agent: AgentDefinition;
  /** How the task runs and on which model, as the dispatcher describes it (`llm`, `openai:gpt-4.1`). */
  readonly runtime: string;
  readonly model: string;
  readonly task: TaskSpec;
  /** Outputs of its dependencies. */
  readonly inputs: readonly DependencyOutput[];
  /** The rest of its context: other outputs, messages, shared context entries. */
  readonly context: readonly ContextEntry[];
  readonly permissions: PermissionCeiling;
  /** Whether the run's agents talk to each other (it changes the tools and instructions an agent gets). */
  readonly communication: boolean;
  /** The workspace's real path. */
  readonly workspace: string;
  /** The workspace's state (`git:<tree>` or `files:<sha256>`), see `readWorkspaceState`. */
  readonly workspaceState: string;
}

/**
 * The cache key of a task: sha256 (hex) over a canonical JSON of the agent's name and definition
 * hash, the runtime and resolved model, what the task says (id, description, prompt, maxTokens,
 * responseFormat, its `context` record), its dependency outputs and context entries (texts and
 * where they came from; not run-specific ids such as message ids), the permission ceiling, whether
 * communication is on, the workspace's real path and its state. Nothing of the run itself (its id,
 * time) is in it, so an identical task of a later run finds it.
 */
export function computeCacheKey(input: CacheKeyInput): string {
  const { task } = input;
  return sha256(
    toCanonicalJson({
      version: KEY_VERSION,
      agent: input.agent.name,
      definition: hashAgentDefinition(input.agent),
      runtime: input.runtime,
      model: input.model,
      task: {
        // The id reaches the answer (the simulated runtime explores by it; a task without a prompt is "Carry out task <id>").
        id: task.id,
        description: task.description,
        prompt: task.prompt,
        maxTokens: task.maxTokens,
        responseFormat: task.responseFormat ?? 'text',
        context: task.context,
      },
      inputs: input.inputs.map((dependency) => ({ taskId: dependency.taskId, agentName: dependency.agentName, output: dependency.output })),
      context: input.context.map((entry) => ({
        relation: entry.relation,
        source: entry.source,
        agentName: entry.agentName,
        treatment: entry.treatment,
        messageType: entry.messageType,
        text: entry.text,
      })),
      permissions: input.permissions,
      communication: input.communication,
      workspace: input.workspace,
      workspaceState: input.workspaceState,
    }),
  );
}

/**
 * sha256 (hex) of an agent's definition: every front-matter field ensemble reads, the ones it keeps
 * as they were, and the body, so an edited agent file gives another key. Where it was read from
 * (`source`) and its `cache` setting (how long, not what) are left out.
 */
export function hashAgentDefinition(agent: AgentDefinition): string {
  const { source: _source, ...definition } = agent as AgentDefinition & { readonly cache?: unknown };
  const { cache: _cache, ...hashed } = definition;
  return sha256(toCanonicalJson(hashed));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
