import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNNER_FILE = 'tmux-window-runner.js';

/**
 * The built `tmux-window-runner.js`: beside this module when it runs from `dist/src/codebase/tmux/`,
 * else (vitest runs the TypeScript sources) `dist/src/codebase/tmux/` of the package, which
 * `npm test` builds first.
 */
export function locateWindowRunner(moduleUrl: string = import.meta.url): string {
  const directory = dirname(fileURLToPath(moduleUrl));
  const sibling = join(directory, RUNNER_FILE);
  if (moduleUrl.endsWith('.js') && existsSync(sibling)) return sibling;
  // src/codebase/tmux → the package root, three folders up.
  return join(directory, '..', '..', '..', 'dist', 'src', 'codebase', 'tmux', RUNNER_FILE);
}
