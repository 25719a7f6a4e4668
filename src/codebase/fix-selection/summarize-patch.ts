/** What a patch changes, for reports and tie-breaks. */
export interface PatchSummary {
  /** Paths it touches (the new path of a rename), in patch order. */
  readonly files: readonly string[];
  readonly addedLines: number;
  readonly removedLines: number;
  /** Files changed as binary (no line counts for them). */
  readonly binaryFiles: readonly string[];
  readonly bytes: number;
}

const FILE_HEADER = /^diff --git a\/(.+) b\/(.+)$/;

/** Reads a `git diff` patch's files and line counts (text hunks only; binary changes are listed apart). */
export function summarizePatch(patch: Buffer): PatchSummary {
  const files: string[] = [];
  const binaryFiles: string[] = [];
  let addedLines = 0;
  let removedLines = 0;
  let isInHunk = false;
  let current: string | undefined;
  for (const line of patch.toString('utf8').split('\n')) {
    const header = FILE_HEADER.exec(line);
    if (header !== null) {
      current = header[2] as string;
      files.push(current);
      isInHunk = false;
    } else if (line.startsWith('@@')) {
      isInHunk = true;
    } else if (!isInHunk && current !== undefined && (line === 'GIT binary patch' || line.startsWith('Binary files '))) {
      binaryFiles.push(current);
    } else if (isInHunk && line.startsWith('+')) {
      addedLines++;
    } else if (isInHunk && line.startsWith('-')) {
      removedLines++;
    }
  }
  return { files, addedLines, removedLines, binaryFiles, bytes: patch.length };
}

/** One line: `2 files (src/a.js, src/b.js), +3 −1, 412 bytes`. */
export function describePatchSummary(summary: PatchSummary): string {
  if (summary.files.length === 0) return 'no change';
  const listed = summary.files.length <= 5 ? summary.files.join(', ') : `${summary.files.slice(0, 5).join(', ')} and ${summary.files.length - 5} more`;
  const binary = summary.binaryFiles.length === 0 ? '' : `, ${summary.binaryFiles.length} binary`;
  return `${summary.files.length} ${summary.files.length === 1 ? 'file' : 'files'} (${listed}), +${summary.addedLines} −${summary.removedLines}${binary}, ${summary.bytes} bytes`;
}

/**
 * The patch as a reader (a model, a report) should see it: binary hunks (base85 noise) replaced by
 * a note, and cut at `maxBytes` with a note saying so.
 */
export function toReadablePatch(patch: Buffer, maxBytes: number): string {
  const lines: string[] = [];
  let isInBinary = false;
  for (const line of patch.toString('utf8').split('\n')) {
    if (line.startsWith('diff --git ')) isInBinary = false;
    if (isInBinary) continue;
    if (line === 'GIT binary patch') {
      lines.push('[binary change, not shown]');
      isInBinary = true;
      continue;
    }
    lines.push(line);
  }
  const text = lines.join('\n');
  if (Buffer.byteLength(text) <= maxBytes) return text;
  return `${Buffer.from(text).subarray(0, maxBytes).toString('utf8')}\n[patch cut at ${maxBytes} bytes]`;
}
