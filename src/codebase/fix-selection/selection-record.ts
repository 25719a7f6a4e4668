import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { patchFilePath } from '../patch-store.js';

/**
 * A selector's decision, stored before it applies the winner: a selector re-run after a crash
 * (resume) applies the same winner, or finds it applied, instead of deciding again on a workspace
 * that may already hold the fix.
 */
export const selectionRecordSchema = z.object({
  winner: z.string().min(1),
  /** The report the selector answered with. */
  output: z.string(),
  command: z.array(z.string()).optional(),
  exitCode: z.int().optional(),
  runtime: z.string(),
});

export type SelectionRecord = z.infer<typeof selectionRecordSchema>;

/** `<dataDir>/patches/<runId>/<selectorTaskId>.selection.json`, beside its candidates' patches. */
function selectionRecordPath(dataDir: string, runId: string, taskId: string): string {
  return patchFilePath(dataDir, runId, taskId).replace(/\.patch$/, '.selection.json');
}

export async function writeSelectionRecord(dataDir: string, runId: string, taskId: string, record: SelectionRecord): Promise<void> {
  const path = selectionRecordPath(dataDir, runId, taskId);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(`${path}.partial`, JSON.stringify(record), { mode: 0o600 });
  await rename(`${path}.partial`, path);
}

/** The stored decision, or undefined when there is none (or it is unreadable: then the selector decides again). */
export async function readSelectionRecord(dataDir: string, runId: string, taskId: string): Promise<SelectionRecord | undefined> {
  try {
    const parsed = selectionRecordSchema.safeParse(JSON.parse(await readFile(selectionRecordPath(dataDir, runId, taskId), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
