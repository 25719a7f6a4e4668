import { createRequire } from 'node:module';
import { estimateTokens } from './estimate-tokens.js';
import { tokenizerFor, type TokenizerName } from './tokenizer-for.js';

/** The part of a gpt-tokenizer encoding module we use. */
interface Encoding {
  countTokens(text: string, options: { readonly disallowedSpecial: ReadonlySet<string> }): number;
}

type RealTokenizerName = Exclude<TokenizerName, 'estimate'>;

// The encodings are loaded on first use, synchronously (a strategy's `assemble` is synchronous),
// through the package's CommonJS build; each one is a few MB of ranks, so only the one a run
// needs is ever loaded. The ranks ship inside the package: nothing is downloaded.
const require = createRequire(import.meta.url);
const ENCODING_MODULES: Readonly<Record<RealTokenizerName, string>> = {
  o200k_base: 'gpt-tokenizer/encoding/o200k_base',
  cl100k_base: 'gpt-tokenizer/encoding/cl100k_base',
};
const loaded = new Map<RealTokenizerName, Encoding>();

// Text that happens to contain `<|endoftext|>` is ordinary text to a provider's API, and to us:
// gpt-tokenizer would otherwise throw on it.
const NO_SPECIAL_TOKENS: ReadonlySet<string> = new Set();

// gpt-tokenizer's byte-pair merging is quadratic in the length of one pre-token chunk: 40,000 CJK
// characters without a space took 38 s to count, 20,000 spaces 2 s, on a run's event loop. A run
// this long of one character class (letters, symbols or whitespace: one chunk each to the encoder)
// is counted in slices, which costs about one token per slice in accuracy and keeps counting linear.
const LONG_RUN = /[\p{L}\p{M}]{256,}|[^\s\p{L}\p{N}]{256,}|\s{256,}/u;
const LONG_RUNS = new RegExp(LONG_RUN.source, 'gu');
const RUN_SLICE_CHARS = 256;

function countEncoded(text: string, encoding: Encoding): number {
  if (!LONG_RUN.test(text)) return encoding.countTokens(text, { disallowedSpecial: NO_SPECIAL_TOKENS });
  let total = 0;
  let last = 0;
  const countPart = (part: string): number => (part === '' ? 0 : encoding.countTokens(part, { disallowedSpecial: NO_SPECIAL_TOKENS }));
  for (const match of text.matchAll(LONG_RUNS)) {
    total += countPart(text.slice(last, match.index));
    const run = match[0];
    for (let start = 0; start < run.length; ) {
      let end = Math.min(run.length, start + RUN_SLICE_CHARS);
      // Never between the two halves of a surrogate pair.
      if (end < run.length && isHighSurrogate(run.charCodeAt(end - 1))) end++;
      total += countPart(run.slice(start, end));
      start = end;
    }
    last = match.index + run.length;
  }
  return total + countPart(text.slice(last));
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

function encodingOf(tokenizer: RealTokenizerName): Encoding {
  let encoding = loaded.get(tokenizer);
  if (encoding === undefined) {
    encoding = require(ENCODING_MODULES[tokenizer]) as Encoding;
    loaded.set(tokenizer, encoding);
  }
  return encoding;
}

/** Tokens of `text` under a named tokenizer (`estimate`: one per four characters, rounded up). */
export function countTokensWith(text: string, tokenizer: TokenizerName): number {
  if (text === '') return 0;
  if (tokenizer === 'estimate') return estimateTokens(text);
  return countEncoded(text, encodingOf(tokenizer));
}

/** Tokens of `text` for a model, with the tokenizer {@link tokenizerFor} picks for it. */
export function countTokens(text: string, model: string): number {
  return countTokensWith(text, tokenizerFor(model));
}
