import { z } from 'zod';
import { AGENT_NAME_PATTERN } from '../../core/index.js';

/** Phase names become part of task ids (`build-developer`), so they stay id-like. */
export const PHASE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const agentNameSchema = z.string().trim().regex(AGENT_NAME_PATTERN, 'must be an agent name: letters, digits, "-" or "_"');

/** One phase of a hybrid route: its agents run side by side, after every task of the phase before. */
export const routePhaseSchema = z.strictObject({
  name: z.string().trim().regex(PHASE_NAME_PATTERN, 'must be 1-64 letters, digits, "-" or "_", starting with a letter or digit'),
  agents: z.array(agentNameSchema).min(1, 'a phase needs at least one agent').max(100),
  /** What this phase is for, told to its agents. */
  instruction: z.string().trim().max(5000).optional(),
});

/** A request to the task router (`routeTask`, `ensemble route`, later the HTTP API). */
export const routeRequestSchema = z.strictObject({
  /** A task type (`code_review`, `feature`, …); case and `-` for `_` do not matter. */
  type: z.string().trim().min(1, 'must not be empty').max(100),
  /** The task, told to every agent. */
  description: z.string().trim().min(1, 'must not be empty').max(20_000),
  /** Parallel types: the agents working at once; sequential types: the chain, in order. Replaces the type's default roles. */
  agents: z.array(agentNameSchema).min(1, 'give at least one agent').max(100).optional(),
  /** Hybrid only: the phases, in order. */
  phases: z.array(routePhaseSchema).min(1, 'a hybrid route needs at least one phase').max(50).optional(),
  /** Parallel types: add the consolidation step after the parallel work. @default true */
  consolidate: z.boolean().default(true),
  /** Parallel types: the agent that consolidates instead of the type's default. */
  consolidator: agentNameSchema.optional(),
  /** Notes told to every agent: where the code is, constraints, conventions. */
  context: z.string().trim().max(20_000).optional(),
  /** Model for every task (tier alias or provider:model); the run's model otherwise. */
  model: z.string().trim().min(1).max(200).optional(),
  /** Output token cap of every task. */
  maxTokens: z.int().positive().optional(),
  /** Timeout of every task, in ms. */
  timeoutMs: z.int().positive().max(2_147_483_647).optional(),
});

/** What a caller gives {@link routeRequestSchema}. */
export type RouteRequestInput = z.input<typeof routeRequestSchema>;
/** A parsed route request, defaults filled. */
export type RouteRequest = z.output<typeof routeRequestSchema>;
/** What a caller gives for one phase. */
export type RoutePhaseInput = z.input<typeof routePhaseSchema>;
