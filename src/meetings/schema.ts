import { z } from 'zod';

/** The serialisable options of `chat`, with their defaults. */
export const chatOptionsSchema = z.strictObject({
  /** SQLite journal holding the chat run and the agent's memory. @default $ENSEMBLE_HOME/ensemble.db */
  store: z.string().min(1).optional(),
  /** Extra folders of agent definitions, searched first. */
  agentDirs: z.array(z.string().min(1)).optional(),
  /** Working directory of `command` and `cli` agents. @default process.cwd() */
  workspaceDir: z.string().min(1).optional(),
  /** Provider for `llm` agents. */
  provider: z.string().min(1).optional(),
  /** Model for the reply: a tier alias or `provider:model`. */
  model: z.string().min(1).optional(),
  /** Most earlier exchanges (a message and its reply) recalled into the prompt. @default 10 */
  memoryExchanges: z.int().min(0).max(1000).default(10),
  /** Token budget of the recalled memory; older exchanges that do not fit are left out. @default 4000 */
  memoryTokenBudget: z.int().min(0).max(10_000_000).default(4000),
  /** Timeout of the reply, in ms. @default the agent's timeoutMs, else none */
  timeoutMs: z.int().positive().max(2_147_483_647).optional(),
  /** Simulated runtime latency in ms. @default ENSEMBLE_SIMULATED_LATENCY_MS, else 300-1200 ms */
  simulatedLatencyMs: z.int().min(0).max(600_000).optional(),
});

export type ChatSettings = z.output<typeof chatOptionsSchema>;

/** The message of a chat: not empty, at most 1 MB. */
export const chatMessageSchema = z
  .string({ error: 'expected text' })
  .refine((message) => message.trim() !== '', 'must not be empty')
  .refine((message) => Buffer.byteLength(message) <= 1_000_000, 'must be at most 1 MB');
