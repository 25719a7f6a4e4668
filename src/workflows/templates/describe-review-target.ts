import { z } from 'zod';

/**
 * The `target` and `changedFiles` parameters every review template takes, as zod fields for a
 * template's `parameterSchema`; read by {@link parseReviewTarget} and {@link describeReviewTarget}.
 */
export const REVIEW_TARGET_SHAPE = {
  target: z
    .string()
    .trim()
    .max(1000)
    .default('.')
    .describe('What to review: a file or folder in the workspace (. for all of it), or a git range (main..HEAD), commit id or revision (HEAD~3).'),
  changedFiles: z
    .array(z.string().trim().min(1).max(1000))
    .max(1000)
    .default([])
    .describe('Files to focus on; empty means everything under target (or every file the git range changed).'),
};

/** What a review covers: a path in the workspace, or a git revision or range. */
export type ReviewTarget =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'range'; readonly range: string }
  | { readonly kind: 'commit'; readonly commit: string }
  | { readonly kind: 'since'; readonly revision: string };

// Characters of git revision syntax a model may paste into a shell command unquoted (no spaces,
// quotes, `$`, `;` or `|`); anything else is read as a path, never as a command argument.
const SAFE_REVISION = /^[A-Za-z0-9_][A-Za-z0-9._/~^@{}-]*$/;
const COMMIT_ID = /^[0-9a-f]{7,40}$/;
// HEAD~3, HEAD^, HEAD@{1}, origin/main~2: a revision relative to a ref.
const RELATIVE_REVISION = /^[A-Za-z0-9_][A-Za-z0-9._/-]*(?:~\d*|\^\d*|@\{[^}]*\})+$/;

/**
 * Reads `code-review`'s `target`: `main..HEAD` or `a...b` is a range, a 7–40 digit hex id a
 * commit, `HEAD~3` (a relative revision) the changes since it, anything else a path in the
 * workspace (`.` the whole of it). A `..` path segment (`../x`) is a path, which the tools refuse.
 */
export function parseReviewTarget(target: string): ReviewTarget {
  const trimmed = target.trim();
  if (SAFE_REVISION.test(trimmed)) {
    if (/\.\.\.?/.test(trimmed) && !/(?:^|\/)\.\.(?:\/|$)/.test(trimmed)) return { kind: 'range', range: trimmed };
    if (COMMIT_ID.test(trimmed)) return { kind: 'commit', commit: trimmed };
    if (RELATIVE_REVISION.test(trimmed)) return { kind: 'since', revision: trimmed };
  }
  return { kind: 'path', path: trimmed === '' ? '.' : trimmed };
}

/**
 * The reviewers' instructions for what to read: the files of a path, or for a git revision the
 * `git` commands that show the change (run with Bash, which only `--permissions full` offers) and
 * what to do without Bash. Templates build tasks from parameters alone, so the agents read the
 * change themselves rather than the template running git.
 */
export function describeReviewTarget(target: ReviewTarget, changedFiles: readonly string[]): string {
  const listed = changedFiles.length === 0 ? '' : ` The changed files: ${changedFiles.join(', ')}.`;
  if (target.kind === 'path') {
    const where = target.path === '.' ? 'the whole workspace' : `\`${target.path}\` in the workspace (a file, or a folder: Glob it for its source files)`;
    const focus = changedFiles.length === 0 ? '' : ` Focus on the changed files: ${changedFiles.join(', ')}.`;
    return `Review target: ${where}.${focus} Read every file you review with the Read tool before you judge it.`;
  }
  const [subject, stat, diff] =
    target.kind === 'range'
      ? [`the git range \`${target.range}\``, `git diff --stat ${target.range}`, `git diff ${target.range}`]
      : target.kind === 'commit'
        ? [`the commit \`${target.commit}\``, `git show --stat ${target.commit}`, `git show ${target.commit}`]
        : [`the changes since \`${target.revision}\``, `git diff --stat ${target.revision}`, `git diff ${target.revision}`];
  const withoutBash =
    changedFiles.length === 0
      ? 'Without Bash, you cannot see the change: say so in your first line, then review the source files that Glob and Grep show are most likely involved.'
      : 'Without Bash, Read the changed files listed above in full.';
  return (
    `Review target: ${subject}.${listed} With Bash, list the changed files with \`${stat}\` and read the change with \`${diff}\`, ` +
    `then Read each changed file around the changed lines for context. ${withoutBash}`
  );
}
