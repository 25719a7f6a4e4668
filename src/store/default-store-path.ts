import { resolve } from 'node:path';
import { storeEnvironmentSchema } from './schema.js';

/** File name of the journal inside the data folder. */
const STORE_FILE_NAME = 'ensemble.db';

/**
 * Where the journal lives when no `--db` is given: `$ENSEMBLE_HOME/ensemble.db`, else
 * `<cwd>/.ensemble/ensemble.db`. A relative `ENSEMBLE_HOME` is taken from `cwd`.
 */
export function defaultStorePath(environment: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const { ENSEMBLE_HOME: home } = storeEnvironmentSchema.parse(environment);
  return resolve(cwd, home ?? '.ensemble', STORE_FILE_NAME);
}
