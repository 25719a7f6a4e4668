/**
 * How tokens are counted: a real encoding of OpenAI's models (through gpt-tokenizer), or
 * `estimate` (one token per four characters) for model families without a tokenizer on npm.
 */
export const TOKENIZER_NAMES = ['o200k_base', 'cl100k_base', 'estimate'] as const;
export type TokenizerName = (typeof TOKENIZER_NAMES)[number];

// Providers whose model ids say nothing about an OpenAI encoding (Anthropic's and Google's
// tokenizers are not published; simulated agents are offline), whatever the id looks like.
const ESTIMATED_PROVIDERS: ReadonlySet<string> = new Set(['anthropic', 'google', 'simulated']);

// Model families by OpenAI's published encodings: o200k_base from gpt-4o on (gpt-oss uses
// o200k_harmony, which adds special tokens only, so plain text counts the same), cl100k_base for
// gpt-4, gpt-3.5 and the text-embedding-3 / ada-002 models. Order matters: gpt-4o before gpt-4.
const O200K_FAMILY = /^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4|codex-mini)(?![a-z0-9])/;
const CL100K_FAMILY = /^(gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002)(?![a-z0-9.])/;

/**
 * The tokenizer for a model reference as `agent:invoke` names it: `openai:gpt-4.1`,
 * `openai-compatible:gpt-4o-mini`, `ollama:gpt-oss:20b`, a bare id, `anthropic:claude-sonnet-4-5`,
 * `simulated:sonnet`, a tier (`sonnet`), `in-process`. OpenAI families get their real encoding,
 * whichever server serves them; everything else is `estimate`.
 */
export function tokenizerFor(model: string): TokenizerName {
  let modelId = model.trim().toLowerCase();
  const colon = modelId.indexOf(':');
  if (colon > 0) {
    const provider = modelId.slice(0, colon);
    if (ESTIMATED_PROVIDERS.has(provider)) return 'estimate';
    if (provider !== 'ft') modelId = modelId.slice(colon + 1);
  }
  // A fine-tuned OpenAI model (`ft:gpt-4o-mini:org::id`) counts as its base model.
  if (modelId.startsWith('ft:')) modelId = modelId.slice(3);
  // Routers name models by vendor path (`openai/gpt-4o`): the last segment is the model.
  modelId = modelId.slice(modelId.lastIndexOf('/') + 1);
  if (O200K_FAMILY.test(modelId)) return 'o200k_base';
  if (CL100K_FAMILY.test(modelId)) return 'cl100k_base';
  return 'estimate';
}
