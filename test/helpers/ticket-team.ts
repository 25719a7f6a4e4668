import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A fake coding agent for ticket runs (a `command` agent, so it bypasses ensemble's tools as a coding
 * CLI does): reads its prompt from stdin, finds the ticket id and the files the ticket names, and
 * edits each file: `first-line` mode replaces the first line (two tickets on one file then conflict
 * in git), `append` adds a line. It waits `FAKE_EDITOR_DELAY_MS` (default 300) first, so overlapping
 * tickets would overlap in time. `FAKE_EDITOR_EXTRA` names a file it also writes (a rogue edit).
 */
const FAKE_EDITOR = `
import { appendFileSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
let prompt = '';
for await (const chunk of process.stdin) prompt += chunk;
const ticket = /Ticket (T-\\d+)/.exec(prompt)?.[1] ?? 'T-?';
const files = (/Files this ticket is expected to change: (.*)/.exec(prompt)?.[1] ?? '').split(', ').filter(Boolean);
const mode = process.argv[2] ?? 'append';
const extra = process.argv[3];
await new Promise((resolve) => setTimeout(resolve, Number(process.env.FAKE_EDITOR_DELAY_MS ?? 300)));
const guided = prompt.includes('Guidance from a person') ? ' (guided)' : '';
const edit = (file) => {
  mkdirSync(dirname(file), { recursive: true });
  if (mode === 'first-line' && existsSync(file)) {
    const lines = readFileSync(file, 'utf8').split('\\n');
    lines[0] = '// changed by ' + ticket + guided;
    writeFileSync(file, lines.join('\\n'));
  } else {
    appendFileSync(file, '// ' + ticket + guided + '\\n');
  }
};
for (const file of files) edit(file);
if (extra !== undefined) edit(extra);
console.log('edited ' + files.join(', ') + ' for ' + ticket + guided);
`;

/** An agent that escalates until a person answered, then edits like the fake editor. */
const FAKE_ASKER = `
let prompt = '';
for await (const chunk of process.stdin) prompt += chunk;
if (!prompt.includes('Guidance from a person')) {
  console.log('Before I change anything:');
  console.log('<ESCALATE reason="Which database should the cache use?" type="architecture">');
  console.log('- Postgres');
  console.log('- SQLite');
  console.log('</ESCALATE>');
} else {
  const { appendFileSync } = await import('node:fs');
  const files = (/Files this ticket is expected to change: (.*)/.exec(prompt)?.[1] ?? '').split(', ').filter(Boolean);
  const answer = /A person answered: (.*)|default action stands: (.*)/.exec(prompt);
  for (const file of files) appendFileSync(file, '// cache on ' + (answer?.[1] ?? answer?.[2] ?? '?') + '\\n');
  console.log('done with the guidance');
}
`;

/** Writes the fake agents' programs and definitions (`editor`, `conflicter`, `rogue`, `asker`) into `folder`; returns the agents folder. */
export function writeTicketTeam(folder: string): string {
  const agentsDir = join(folder, 'agents');
  mkdirSync(agentsDir, { recursive: true });
  const editor = join(folder, 'fake-editor.mjs');
  const asker = join(folder, 'fake-asker.mjs');
  writeFileSync(editor, FAKE_EDITOR);
  writeFileSync(asker, FAKE_ASKER);
  const define = (name: string, command: readonly string[], category = 'development'): void => {
    writeFileSync(
      join(agentsDir, `${name}.md`),
      `---\nname: ${name}\ndescription: fake coding agent ${name}\ncategory: ${category}\nruntime: command\ncommand: ${JSON.stringify(['node', ...command])}\n---\nEdits the ticket's files.\n`,
    );
  };
  define('editor', [editor, 'append']);
  define('conflicter', [editor, 'first-line']);
  define('rogue', [editor, 'append', 'src/unleased.ts']);
  define('asker', [asker]);
  return agentsDir;
}
