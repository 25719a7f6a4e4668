import { z } from 'zod';

// What coding-agent CLIs print is third-party data: every field is optional and a malformed field
// is dropped (`.catch(undefined)`) rather than failing the whole document, so one odd number never
// costs the agent's answer.

/** A token count (or a price): a non-negative number, else absent. */
export const tokenCount = z.number().nonnegative().optional().catch(undefined);
/** A text field, else absent. */
export const optionalText = z.string().optional().catch(undefined);
