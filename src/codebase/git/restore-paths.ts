import { chmod, mkdir, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkWorkspacePath } from './commit-paths.js';
import { fingerprint, readPathState, stateInSnapshot } from './snapshot-changes.js';
import type { ChangeSnapshot } from './snapshot-changes.js';

/**
 * Puts `paths` (workspace-relative) back as they were in `snapshot`: saved content for files dirty
 * then, HEAD's content for files clean then, and files that did not exist are deleted (with the
 * folders that only held them). Resolves with the paths it could not restore: content past the
 * snapshot's cap that has changed, a submodule, or a path outside the workspace. The index is not touched.
 */
export async function restorePaths(snapshot: ChangeSnapshot, paths: readonly string[], signal: AbortSignal): Promise<string[]> {
  const failed: string[] = [];
  for (const given of paths) {
    if (signal.aborted) throw signal.reason;
    let path: string;
    try {
      path = checkWorkspacePath(given);
    } catch {
      failed.push(given);
      continue;
    }
    const wanted = await stateInSnapshot(snapshot, path, signal);
    const full = join(snapshot.workspace, path);
    const current = await readPathState(snapshot.workspace, path);
    if (fingerprint(current) === fingerprint(wanted)) continue;
    switch (wanted.kind) {
      case 'absent':
        await rm(full, { recursive: true, force: true });
        await removeEmptyParents(snapshot.workspace, path);
        break;
      case 'symlink':
        await rm(full, { recursive: true, force: true });
        await mkdir(dirname(full), { recursive: true });
        await symlink(wanted.target, full);
        break;
      case 'file':
        if (wanted.content === undefined) {
          failed.push(path);
          break;
        }
        await rm(full, { recursive: true, force: true });
        await mkdir(dirname(full), { recursive: true });
        await writeFile(full, wanted.content);
        await chmod(full, wanted.executable ? 0o755 : 0o644);
        break;
      case 'other':
        failed.push(path);
        break;
    }
  }
  return failed;
}

/** Removes the folders above `path` that are empty now, up to (not including) the workspace. */
async function removeEmptyParents(workspace: string, path: string): Promise<void> {
  for (let folder = dirname(path); folder !== '.' && folder !== ''; folder = dirname(folder)) {
    const removed = await rmdir(join(workspace, folder)).then(
      () => true,
      () => false,
    );
    if (!removed) return;
  }
}
