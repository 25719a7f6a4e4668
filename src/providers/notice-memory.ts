import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/** Remembers which one-time notices were given, so a warning is said once, not on every run. */
export interface NoticeMemory {
  /** True the first time `key` is seen (and from then on remembered); false after. */
  isFirst(key: string): boolean;
}

/** File name of the notice memory inside the data folder ($ENSEMBLE_HOME). */
export const NOTICE_FILE_NAME = 'notices.json';

const noticeFileSchema = z.object({ notices: z.array(z.string()) });

/** Notices remembered for the life of this process only. */
export function createNoticeMemory(): NoticeMemory {
  const seen = new Set<string>();
  return {
    isFirst(key) {
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    },
  };
}

/**
 * Notices remembered in a small JSON file (`$ENSEMBLE_HOME/notices.json`), so "no price is known
 * for …" is said once per model and machine. The file is re-read on each new key (another run may
 * have written it) and replaced atomically; if it cannot be read or written, notices are
 * remembered for this process only.
 */
export function openNoticeMemory(filePath: string): NoticeMemory {
  const inProcess = createNoticeMemory();
  return {
    isFirst(key) {
      if (!inProcess.isFirst(key)) return false;
      const stored = readNotices(filePath);
      if (stored.includes(key)) return false;
      try {
        mkdirSync(dirname(filePath), { recursive: true });
        const temporary = `${filePath}.${process.pid}.tmp`;
        writeFileSync(temporary, `${JSON.stringify({ notices: [...stored, key] }, null, 2)}\n`);
        renameSync(temporary, filePath);
      } catch {
        // A read-only data folder: the notice is still said once in this process.
      }
      return true;
    },
  };
}

function readNotices(filePath: string): readonly string[] {
  try {
    const parsed = noticeFileSchema.safeParse(JSON.parse(readFileSync(filePath, 'utf8')));
    return parsed.success ? parsed.data.notices : [];
  } catch {
    return [];
  }
}
