import { loadEnsembleConfig, selectProvider, type EnsembleConfig } from '../config/index.js';
import type { ResolvedRunSettings } from './resolve-run-settings.js';

/**
 * The providers, models, prices and budget a run uses: the given config (with the run's provider
 * selected in it), else ensemble.config.yaml of the run's workspace and `env`.
 */
export function resolveEnsembleConfig(settings: ResolvedRunSettings, given: EnsembleConfig | undefined, env: NodeJS.ProcessEnv): EnsembleConfig {
  if (given === undefined) {
    return loadEnsembleConfig({
      cwd: settings.workspaceDir,
      env,
      ...(settings.provider === undefined ? {} : { provider: settings.provider }),
    });
  }
  if (settings.provider === undefined) return given;
  const { provider, providers } = selectProvider({ requested: settings.provider, providers: given.providers });
  return { ...given, providers, ...(provider === undefined ? {} : { provider }) };
}
