import type { LanguageModelUsage } from 'ai';
import { isEnsembleError } from '../../core/index.js';
import type { TokenUsage } from '../../core/index.js';
import { estimateTokens } from '../../context/index.js';
import type { CallProgress } from './stream-model-call.js';

/** The provider's figures; a side it did not report is estimated (and said so once per model). */
export function toTokenUsage(
  reported: LanguageModelUsage | undefined,
  text: string,
  inputEstimate: number,
  label: string,
  warn: (message: string) => void,
): TokenUsage {
  const reportedInput = reported?.inputTokens;
  const reportedOutput = reported?.outputTokens;
  if (reportedInput === undefined || reportedOutput === undefined) warn(`${label} did not report token usage; tokens are estimated from the text`);
  const inputTokens = reportedInput ?? inputEstimate;
  const outputTokens = reportedOutput ?? estimateTokens(text);
  const reportedTotal = reported?.totalTokens;
  const totalTokens = reportedInput !== undefined && reportedOutput !== undefined && reportedTotal !== undefined ? reportedTotal : inputTokens + outputTokens;
  return { inputTokens, outputTokens, totalTokens };
}

const ZERO: TokenUsage = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

/**
 * What a call that did not succeed spent: the usage the provider reported, if it did; nothing for
 * a call that never reached the provider or that the provider refused with an HTTP status (429,
 * 5xx, 4xx are not billed); else (aborted, stalled or broken after the request went out) an
 * estimate of the prompt and the text streamed so far, since the provider may bill them.
 */
export function spendOfFailedCall(progress: CallProgress, error: unknown, inputEstimate: number): TokenUsage {
  if (progress.usage?.inputTokens !== undefined && progress.usage.outputTokens !== undefined) {
    const { inputTokens, outputTokens } = progress.usage;
    return { inputTokens, outputTokens, totalTokens: progress.usage.totalTokens ?? inputTokens + outputTokens };
  }
  if (!progress.isStarted) return ZERO;
  if (isEnsembleError(error) && typeof error.details?.['statusCode'] === 'number' && error.details['statusCode'] >= 400) return ZERO;
  const outputTokens = progress.text === '' ? 0 : estimateTokens(progress.text);
  return { inputTokens: inputEstimate, outputTokens, totalTokens: inputEstimate + outputTokens };
}
