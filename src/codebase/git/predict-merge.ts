import type { ConflictPrediction } from '../../core/index.js';
import { runGitCommand } from '../run-git-command.js';
import { gitFailure, splitNul } from './run-git-step.js';

/** Options of {@link predictMerge}. */
export interface PredictMergeOptions {
  readonly repo: string;
  /** What the branch would be merged into. */
  readonly base: string;
  readonly branch: string;
  readonly signal: AbortSignal;
}

/**
 * Predicts merging `branch` into `base` (`against` is `base` as given: the main branch's name or another ticket's branch) without touching any work tree, index or ref: a real merge
 * in memory (`git merge-tree --write-tree`, git ≥ 2.38) whose exit says clean (0) or conflicted
 * (1, then the conflicted files follow the tree). Anything else (an unknown branch) is `GIT_FAILED`.
 */
export async function predictMerge(options: PredictMergeOptions): Promise<ConflictPrediction> {
  const { repo, base, branch, signal } = options;
  // -z: names come unquoted, whatever characters they hold.
  const args = ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', base, branch];
  const result = await runGitCommand(args, { cwd: repo, signal });
  if (result.exitCode === 0) return { against: base, clean: true, files: [] };
  const [tree, ...files] = splitNul(result.stdout.toString('utf8'));
  // git also exits 1 for a name it cannot resolve, printing no tree.
  if (result.exitCode !== 1 || tree === undefined || !/^[0-9a-f]{40,64}$/.test(tree)) {
    throw gitFailure(args, { cwd: repo, what: `predicting the merge of ${branch} into ${base}` }, result);
  }
  return { against: base, clean: false, files: [...new Set(files)] };
}

/** Options of {@link predictConflicts}. */
export interface PredictConflictsOptions {
  readonly repo: string;
  readonly mainBranch: string;
  /** The branch whose merges are predicted. */
  readonly branch: string;
  /** The other open branches (reviews waiting); `branch` itself and the main branch are skipped. */
  readonly others: readonly string[];
  readonly signal: AbortSignal;
}

/** Predicts merging `branch` into the main branch (first) and into every other open branch. */
export async function predictConflicts(options: PredictConflictsOptions): Promise<ConflictPrediction[]> {
  const { repo, branch, signal } = options;
  const bases = [options.mainBranch, ...new Set(options.others.filter((other) => other !== branch && other !== options.mainBranch))];
  const predictions: ConflictPrediction[] = [];
  for (const base of bases) predictions.push(await predictMerge({ repo, base, branch, signal }));
  return predictions;
}
