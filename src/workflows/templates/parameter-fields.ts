import { z } from 'zod';

/** Longest text a template parameter takes by default: room for a detailed ticket, not a whole file. */
const DEFAULT_TEXT_LENGTH = 20_000;

/** A text parameter that must be given and not be blank; trimmed. */
export function requiredText(description: string, maxLength = DEFAULT_TEXT_LENGTH) {
  return z.string().trim().min(1).max(maxLength).describe(description);
}

/** A text parameter that may be left out; trimmed, and blank counts as left out (a shell's `--param context=`). */
export function optionalText(description: string, maxLength = DEFAULT_TEXT_LENGTH) {
  return z
    .string()
    .trim()
    .max(maxLength)
    .optional()
    .transform((value) => (value === '' ? undefined : value))
    .describe(description);
}

/** A list of short texts (names, paths, standards), each trimmed and non-blank. */
export function textList(description: string, defaultValue: readonly string[] = [], maxItems = 100) {
  return z
    .array(z.string().trim().min(1).max(1000))
    .max(maxItems)
    .default(() => [...defaultValue])
    .describe(description);
}
