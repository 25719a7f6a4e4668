/** Context: what each task is handed (strategies `shared`, `isolated`, `hierarchical`), token counting, pruning. */

/** Rough token count, one token per four characters rounded up: offline accounting where no tokenizer applies. */
export { estimateTokens } from './estimate-tokens.js';
/**
 * Tokens of a text for a model (`countTokens(text, 'openai:gpt-4.1')`) or under a named tokenizer
 * (`countTokensWith(text, 'o200k_base')`); real encoders load on first use, nothing is downloaded.
 */
export { countTokens, countTokensWith } from './count-tokens.js';
/**
 * The tokenizer a model is counted with: `o200k_base` (gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1/o3/o4,
 * gpt-oss), `cl100k_base` (gpt-4, gpt-3.5), else `estimate` (Claude, Gemini, llama, tiers,
 * simulated and in-process agents); and every name it returns.
 */
export { tokenizerFor, TOKENIZER_NAMES } from './tokenizer-for.js';
/** One of {@link TOKENIZER_NAMES}. */
export type { TokenizerName } from './tokenizer-for.js';
/**
 * The run's context strategy by name, as the scheduler's `ContextStrategy` port: collects what a
 * task may see, counts it, prunes past the threshold, replays a journaled receipt. One per run.
 */
export { createContextStrategy } from './create-context-strategy.js';
/** Options of a strategy (`summaryTokens` @default 600, `maxOtherOutputs` @default 64), validated, with their defaults. */
export { contextStrategyOptionsSchema } from './schema.js';
/** The options as given, and once defaulted. */
export type { ContextStrategyOptions, ContextStrategyOptionsInput } from './schema.js';
