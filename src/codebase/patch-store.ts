import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EnsembleError, ID_PATTERN } from '../core/index.js';

/**
 * Where the change of an isolated task is kept: `<dataDir>/patches/<runId>/<taskId>.patch`. Keyed
 * by run and task, not attempt: the last successful attempt's patch is the task's, so a resumed run
 * finds the patches of attempts that finished before the crash, and a selector finds its candidates.
 */
export function patchFilePath(dataDir: string, runId: string, taskId: string): string {
  for (const [name, value] of [['run id', runId], ['task id', taskId]] as const) {
    // Both are ids already; checked again because they become path segments.
    if (!ID_PATTERN.test(value)) throw new EnsembleError('INVALID_INPUT', `${name} ${JSON.stringify(value)} cannot name a patch file`, { details: { runId, taskId } });
  }
  return join(dataDir, 'patches', runId, `${taskId}.patch`);
}

/** Stores a task's patch (possibly empty: the task changed nothing), replacing any earlier one atomically. */
export async function writePatchFile(dataDir: string, runId: string, taskId: string, patch: Buffer): Promise<string> {
  const path = patchFilePath(dataDir, runId, taskId);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, patch, { mode: 0o600 });
  // A crash leaves the old patch or the new one, never half of one.
  await rename(partial, path);
  return path;
}

/** A task's stored patch, or undefined when it has none (it was not isolated, or never finished). */
export async function readPatchFile(dataDir: string, runId: string, taskId: string): Promise<Buffer | undefined> {
  try {
    return await readFile(patchFilePath(dataDir, runId, taskId));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Drops a task's patch, as a new attempt of it starts: a patch from an attempt that did not finish must not stand for it. */
export async function removePatchFile(dataDir: string, runId: string, taskId: string): Promise<void> {
  await rm(patchFilePath(dataDir, runId, taskId), { force: true });
}
