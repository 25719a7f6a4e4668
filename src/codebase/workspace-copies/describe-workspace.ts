import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { runGitCommand } from '../run-git-command.js';

/**
 * What a workspace is, for copying it: a folder in a git work tree whose HEAD is a commit (`git`),
 * or anything else (`folder`: not in a repository, or in one without a first commit yet).
 */
export type WorkspaceShape =
  | {
      readonly kind: 'git';
      /** The work tree's top folder (real path). */
      readonly topLevel: string;
      /** The workspace's place in the work tree: `''` at the top, else `sub/dir/`. */
      readonly prefix: string;
    }
  | {
      readonly kind: 'folder';
      /** The workspace (real path). */
      readonly root: string;
    };

/** Tells a git workspace from a plain folder (see {@link WorkspaceShape}). */
export async function describeWorkspace(workspace: string, signal: AbortSignal): Promise<WorkspaceShape> {
  const root = await realpath(workspace);
  const place = await runGitCommand(['rev-parse', '--show-toplevel', '--show-prefix'], { cwd: root, signal });
  const [topLevel, prefix] = place.stdout.toString('utf8').split('\n');
  if (place.exitCode !== 0 || topLevel === undefined || topLevel === '' || prefix === undefined) return { kind: 'folder', root };
  const head = await runGitCommand(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: root, signal });
  // A repository without a commit has no HEAD to make a worktree of.
  if (head.exitCode !== 0) return { kind: 'folder', root };
  return { kind: 'git', topLevel: await realpath(topLevel), prefix };
}

/** The workspace's folder inside a copy whose top is `copyRoot`. */
export function workspaceInCopy(shape: WorkspaceShape, copyRoot: string): string {
  return shape.kind === 'git' && shape.prefix !== '' ? join(copyRoot, shape.prefix) : copyRoot;
}
