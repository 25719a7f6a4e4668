import { z } from 'zod';

/**
 * Who made a workspace copy and how to remove it, written beside it (`<copy>.owner.json`) before
 * the copy exists: a process killed mid-run leaves a record that a later process on the same host
 * uses to remove the copy once its owner is dead.
 */
export const copyOwnerRecordSchema = z.object({
  pid: z.int().positive(),
  host: z.string(),
  /** Clock ticks since boot at which the owner started (Linux), to tell a reused pid apart. */
  startTicks: z.int().nonnegative().optional(),
  /** The copy's top folder. */
  root: z.string().min(1),
  /** The repository the worktree is registered in (worktree copies). */
  repository: z.string().min(1).optional(),
  /** The folder copy's own git dir. */
  gitDir: z.string().min(1).optional(),
  /** Epoch ms. */
  createdAt: z.number(),
});

export type CopyOwnerRecord = z.infer<typeof copyOwnerRecordSchema>;

/** Longest one verification run may take by default: 10 minutes, a whole test suite. */
export const DEFAULT_VERIFY_TIMEOUT_MS = 600_000;

/**
 * What a `fix-selector` task reads from its `context.fixSelection` (the bugfix template writes it):
 * the verification command and its time limit. Strict, so a misspelt key is an error, not ignored.
 */
export const fixSelectionSettingsSchema = z.strictObject({
  /**
   * The command that says whether a candidate fixes the bug, as one line of words (quotes group
   * words; no shell). @default `npm test` when the workspace's package.json has a `test` script, else none
   */
  verifyCommand: z.string().trim().min(1, 'must not be blank').max(4000).optional(),
  /** Longest one verification run may take, in ms. @default 600000 */
  verifyTimeoutMs: z.int().min(1000).max(3_600_000).default(DEFAULT_VERIFY_TIMEOUT_MS),
});

export type FixSelectionSettings = z.output<typeof fixSelectionSettingsSchema>;
export type FixSelectionSettingsInput = z.input<typeof fixSelectionSettingsSchema>;
