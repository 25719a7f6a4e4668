import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { readProcessStartTicks } from '../../host/index.js';
import { copyOwnerRecordSchema, type CopyOwnerRecord } from '../schema.js';

/** The owner file of a copy whose top folder is `root`. */
export function ownerFileOf(root: string): string {
  return `${root}.owner.json`;
}

/** Writes the record of a copy this process is about to make. */
export async function writeCopyOwnerRecord(location: { readonly root: string; readonly repository?: string; readonly gitDir?: string }): Promise<void> {
  const startTicks = readProcessStartTicks(process.pid);
  const record: CopyOwnerRecord = {
    pid: process.pid,
    host: hostname(),
    ...(startTicks === undefined ? {} : { startTicks }),
    ...location,
    createdAt: Date.now(),
  };
  await writeFile(ownerFileOf(location.root), JSON.stringify(record), { mode: 0o600 });
}

/** The record in `path`, or undefined when it is unreadable (half-written by a killed process). */
export async function readCopyOwnerRecord(path: string): Promise<CopyOwnerRecord | undefined> {
  try {
    const parsed = copyOwnerRecordSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
