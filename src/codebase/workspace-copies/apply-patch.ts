import { dirname } from 'node:path';
import { lastLine, runGitCommand } from '../run-git-command.js';
import { describeWorkspace } from './describe-workspace.js';
import type { WorkspaceCopy } from './workspace-copy.js';

/** Where a patch is applied: the folder its paths are relative to, and git's environment there. */
export interface PatchTarget {
  readonly root: string;
  readonly env: Readonly<Record<string, string>>;
}

/** What {@link applyPatch} did: `already-applied` when the target already holds the patch's result (a resumed selector). */
export type PatchApplication =
  | { readonly status: 'applied' }
  | { readonly status: 'already-applied' }
  | { readonly status: 'rejected'; readonly reason: string };

const APPLY_ARGS = ['apply', '--binary', '--whitespace=nowarn'];

/**
 * Applies `patch` to the work tree at `target` (never the index), all or nothing: `git apply
 * --check` first, so a patch that does not fit the files as they are now changes nothing and is
 * `rejected` with git's reason. A patch whose reverse applies is `already-applied`.
 */
export async function applyPatch(target: PatchTarget, patch: Buffer, signal: AbortSignal): Promise<PatchApplication> {
  const options = { cwd: target.root, env: target.env, signal, input: patch };
  const check = await runGitCommand([...APPLY_ARGS, '--check', '-'], options);
  if (check.exitCode !== 0) {
    const reverse = await runGitCommand([...APPLY_ARGS, '--check', '--reverse', '-'], options);
    return reverse.exitCode === 0 ? { status: 'already-applied' } : { status: 'rejected', reason: lastLine(check.stderr) };
  }
  const applied = await runGitCommand([...APPLY_ARGS, '-'], options);
  return applied.exitCode === 0 ? { status: 'applied' } : { status: 'rejected', reason: lastLine(applied.stderr) };
}

/** Where patches of copies of `workspace` apply to the workspace itself: its repository's top, or the folder. */
export async function workspacePatchTarget(workspace: string, signal: AbortSignal): Promise<PatchTarget> {
  const shape = await describeWorkspace(workspace, signal);
  if (shape.kind === 'git') return { root: shape.topLevel, env: {} };
  // Patch paths are relative to the folder: git must not find a repository above it (one without a commit).
  return { root: shape.root, env: { GIT_CEILING_DIRECTORIES: dirname(shape.root) } };
}

/** Where patches apply to a copy: its top folder, through its own git dir for a folder copy. */
export function copyPatchTarget(copy: WorkspaceCopy): PatchTarget {
  return { root: copy.root, env: copy.gitEnv };
}
