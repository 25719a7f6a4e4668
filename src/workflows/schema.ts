import { z } from 'zod';
import { ID_PATTERN } from '../core/index.js';

/** The types a workflow parameter may declare; string values are coerced to them. */
export const PARAMETER_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object'] as const;
/** One of {@link PARAMETER_TYPES}. */
export type WorkflowParameterType = (typeof PARAMETER_TYPES)[number];

/** Parameter names are used in `{{name}}` placeholders, so they stay identifier-like. */
export const PARAMETER_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export const workflowParameterSchema = z.strictObject({
  type: z.enum(PARAMETER_TYPES),
  description: z.string().max(2000).optional(),
  required: z.boolean().optional(),
  default: z.unknown().optional(),
});

/**
 * A workflow file. `config` and `tasks` are only checked for shape here: tasks are parsed with
 * core's `taskSpecSchema` after placeholder substitution, and `config` is kept as written (not
 * defaulted) so the caller can merge its flags over it.
 */
export const workflowFileSchema = z.strictObject({
  id: z.string().regex(ID_PATTERN, 'must be 1-128 characters of letters, digits, "-", "_", "." or ":"').optional(),
  name: z.string().trim().min(1, 'must not be empty').max(200),
  description: z.string().max(2000).optional(),
  category: z.string().max(100).optional(),
  tags: z.array(z.string().max(100)).max(100).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  parameters: z
    .record(z.string().regex(PARAMETER_NAME_PATTERN, 'parameter names are a letter or "_" then letters, digits, "_" or "-"'), workflowParameterSchema)
    .optional(),
  tasks: z.array(z.unknown()).min(1, 'a workflow needs at least one task').max(100_000),
});

export type WorkflowFile = z.output<typeof workflowFileSchema>;

/** The fields each object in a workflow may have, for "did you mean" hints on unknown fields. */
export const WORKFLOW_FILE_FIELDS: readonly string[] = Object.keys(workflowFileSchema.shape);
export const WORKFLOW_PARAMETER_FIELDS: readonly string[] = Object.keys(workflowParameterSchema.shape);
