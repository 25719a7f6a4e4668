/** Largest diff kept in a task's evidence (the journal): 256 KiB, as for process agents; the patch file keeps all of it. */
export const MAX_EVIDENCE_DIFF_BYTES = 256 * 1024;

/** A patch as evidence text: whole up to {@link MAX_EVIDENCE_DIFF_BYTES}, else cut there with a note naming the file that holds all of it. */
export function toEvidenceDiff(patch: Buffer, patchFile: string): string {
  if (patch.length <= MAX_EVIDENCE_DIFF_BYTES) return patch.toString('utf8');
  return `${patch.subarray(0, MAX_EVIDENCE_DIFF_BYTES).toString('utf8')}\n[diff truncated at ${MAX_EVIDENCE_DIFF_BYTES} bytes; the whole patch is in ${patchFile}]\n`;
}
