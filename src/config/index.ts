/** Configuration: the optional `ensemble.config.yaml` merged with the provider environment variables. */
/** Loads the config file and the environment into one {@link EnsembleConfig}; the file names looked for. */
export { loadEnsembleConfig, CONFIG_FILE_NAMES } from './load-ensemble-config.js';
/** The merged configuration and the loader's options. */
export type { EnsembleConfig, LoadEnsembleConfigOptions } from './load-ensemble-config.js';
/** Reads and validates one config file (INVALID_CONFIG naming file and field). */
export { readConfigFile } from './read-config-file.js';
/** The API keys of a config, for redaction. */
export { collectSecrets } from './collect-secrets.js';
/** Picks the provider of `llm` agents: requested, else the file's, else the first configured. */
export { selectProvider } from './select-provider.js';
/** The inputs of {@link selectProvider}. */
export type { ProviderChoice } from './select-provider.js';
/** Ollama's default address; whether a provider has what it needs; how to configure one. */
export { DEFAULT_OLLAMA_BASE_URL, describeProviderSetup, isProviderConfigured } from './provider-settings.js';
/** Key, base URL and label of one provider. */
export type { ProviderSettings } from './provider-settings.js';
/** Provider names, model tiers, and the schemas of the config file and the provider environment. */
export {
  PROVIDER_NAMES,
  MODEL_TIERS,
  providerNameSchema,
  tierTableSchema,
  modelPriceSchema,
  ensembleConfigFileSchema,
  providerEnvSchema,
} from './schema.js';
/** A provider name, a tier, a model price, a tier table, a validated config file. */
export type { ProviderName, ModelTier, ModelPrice, TierTable, EnsembleConfigFile } from './schema.js';
/** `providerPolicy`: its schema (strict, all optional), the defaults, and the resolver that layers and fills it. */
export { providerPolicyInputSchema, resolveProviderPolicy, PROVIDER_POLICY_DEFAULTS } from './provider-policy.js';
/** A provider policy as written, and filled in. */
export type { ProviderPolicyInput, ProviderPolicy } from './provider-policy.js';
