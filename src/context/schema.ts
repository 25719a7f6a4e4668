import { z } from 'zod';

/** Options of a context strategy; every field has its default here. */
export const contextStrategyOptionsSchema = z.strictObject({
  /** The most tokens a summarised or trimmed entry other than a dependency or a message gets, in tokens. @default 600 */
  summaryTokens: z.int().min(128).max(100_000).default(600),
  /**
   * How many outputs besides the direct dependencies a task is offered at most (ancestors nearest
   * first, then the pool newest first): bounds the work per task start in runs of thousands of
   * tasks, where a late task has thousands of ancestors. @default 64
   */
  maxOtherOutputs: z.int().min(0).max(100_000).default(64),
});

export type ContextStrategyOptionsInput = z.input<typeof contextStrategyOptionsSchema>;
export type ContextStrategyOptions = z.output<typeof contextStrategyOptionsSchema>;
