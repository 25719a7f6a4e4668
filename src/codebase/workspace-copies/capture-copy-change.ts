import { runGitOrFail } from '../run-git-command.js';
import { writeCopyTree } from './create-workspace-copy.js';
import type { WorkspaceCopy } from './workspace-copy.js';

/**
 * The copy's change since it was made, as a binary-safe patch relative to its top folder (`a/` and
 * `b/` prefixes, whatever the user's diff settings): everything staged in the copy's own index
 * (`git add --all`, ignored files and links left out) diffed against the starting tree, so commits
 * the agent made count too. Empty when nothing changed.
 */
export async function captureCopyChange(copy: WorkspaceCopy, signal: AbortSignal): Promise<Buffer> {
  const tree = await writeCopyTree(copy, signal);
  if (tree === copy.baseTree) return Buffer.alloc(0);
  return runGitOrFail(
    ['diff', '--cached', '--binary', '--no-color', '--no-ext-diff', '--no-textconv', '--ignore-submodules', '--src-prefix=a/', '--dst-prefix=b/', copy.baseTree],
    { cwd: copy.root, signal, env: copy.gitEnv, what: `reading the change made in ${copy.root}` },
  );
}
