import { jsonSchema, tool, zodSchema } from 'ai';
import type { JSONSchema7, ToolSet } from 'ai';
import type { WorkspaceTool } from '../../tools/index.js';

// A tool's JSON Schema is derived once per tool object, not once per step.
const schemaCache = new WeakMap<WorkspaceTool, JSONSchema7 | PromiseLike<JSONSchema7>>();

/**
 * The AI SDK's view of the offered tools: description and JSON Schema, and no `execute`, so the SDK
 * hands every call back to the agent loop instead of running it. No `validate` either: the loop
 * validates with the tool's own zod schema, so a bad input becomes an error the model reads, in
 * ensemble's words, rather than the SDK's.
 */
export function toSdkTools(tools: readonly WorkspaceTool[]): ToolSet {
  const set: ToolSet = {};
  for (const workspaceTool of tools) {
    set[workspaceTool.name] = tool({ description: workspaceTool.description, inputSchema: jsonSchema<unknown>(schemaOf(workspaceTool)) });
  }
  return set;
}

function schemaOf(workspaceTool: WorkspaceTool): JSONSchema7 | PromiseLike<JSONSchema7> {
  let schema = schemaCache.get(workspaceTool);
  if (schema === undefined) {
    schema = workspaceTool.inputJsonSchema === undefined ? zodSchema(workspaceTool.inputSchema).jsonSchema : (workspaceTool.inputJsonSchema as JSONSchema7);
    schemaCache.set(workspaceTool, schema);
  }
  return schema;
}
