import type { RunOutcome } from '../core/index.js';
import type { SettingOverride } from './resolve-run-settings.js';

/** Options of `execute()`. */
export interface RunOptions {
  /** Aborting it cancels the run cleanly (status `cancelled`); already aborted, nothing starts and the call rejects with `RUN_CANCELLED`. */
  readonly signal?: AbortSignal;
}

/** Options of `resume()`. */
export interface ResumeOptions extends RunOptions {
  /**
   * Told, before anything runs, which of the run's stored settings this orchestrator's explicit
   * options replace (old → new). @default each is reported as a warning
   */
  readonly onOverrides?: (overrides: readonly SettingOverride[]) => void;
}

/** What `resume()` resolves with: the outcome, and which stored settings the resume overrode. */
export interface ResumeOutcome extends RunOutcome {
  readonly overrides: readonly SettingOverride[];
}
