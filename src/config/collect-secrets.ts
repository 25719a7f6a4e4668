import type { EnsembleConfig } from './load-ensemble-config.js';

/** Every credential in a config (API keys), for redaction from messages that leave the process. */
export function collectSecrets(config: Pick<EnsembleConfig, 'providers'>): readonly string[] {
  const secrets = new Set<string>();
  for (const settings of Object.values(config.providers)) {
    if (settings?.apiKey !== undefined) secrets.add(settings.apiKey);
  }
  return [...secrets];
}
