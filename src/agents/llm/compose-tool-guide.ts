import type { PermissionCeiling } from '../../core/index.js';
import type { WorkspaceTool } from '../../tools/index.js';

const CEILING_WORDS: Readonly<Record<PermissionCeiling, string>> = {
  read: 'read-only: you may look at files but not change them or run commands',
  edit: 'you may read and edit files, but not run commands',
  full: 'you may read and edit files and run shell commands',
};

/**
 * The paragraph appended to a tool-using agent's system prompt: where its tools work, which it has,
 * and what the run allows, so the model neither guesses absolute paths nor asks for tools it lacks.
 */
export function composeToolGuide(tools: readonly WorkspaceTool[], ceiling: PermissionCeiling): string {
  const names = tools.map((tool) => tool.name).join(', ');
  return [
    '## Your workspace and tools',
    '',
    `You work in a workspace folder; your tools see only it. Give paths relative to it (\`src/index.ts\`, \`.\` for the workspace itself). Your tools: ${names}. This run is ${CEILING_WORDS[ceiling]}.`,
    'Look at the code before you speak about it or change it. When you are done, answer with your final result as plain text, without calling a tool.',
  ].join('\n');
}
