import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A fake coding CLI for tmux ticket runs: reads its prompt on stdin (the ticket runner gives it the
 * prompt file), appends `// <ticket> started` to each file the ticket names, and prints what it
 * does. A ticket whose title says `(interactive)` then waits for a line typed into its tmux window
 * (it reads the window's terminal, which its window runner holds as stdin: `/proc/<ppid>/fd/0`),
 * appends `// <ticket> <line>`, prints `fake-cli: got <LINE>` and ends; nobody typing within a
 * minute makes it exit 3.
 */
const FAKE_CLI = `
import { appendFileSync, createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
let prompt = '';
for await (const chunk of process.stdin) prompt += chunk;
const ticket = /Ticket (T-\\d+)/.exec(prompt)?.[1] ?? 'T-?';
const files = (/Files this ticket is expected to change: (.*)/.exec(prompt)?.[1] ?? '').split(', ').filter(Boolean);
for (const file of files) appendFileSync(file, '// ' + ticket + ' started\\n');
console.log('fake-cli: working on ' + ticket + ' (' + files.join(', ') + ')');
if (prompt.includes('(interactive)')) {
  console.log('fake-cli: waiting for input');
  const lines = createInterface({ input: createReadStream('/proc/' + process.ppid + '/fd/0') });
  const timer = setTimeout(() => {
    console.log('fake-cli: nobody typed');
    process.exit(3);
  }, 60000);
  const line = await new Promise((resolve) => lines.once('line', resolve));
  clearTimeout(timer);
  for (const file of files) appendFileSync(file, '// ' + ticket + ' ' + line + '\\n');
  console.log('fake-cli: got ' + line.toUpperCase());
}
console.log('fake-cli: done with ' + ticket);
process.exit(0);
`;

/** Writes the fake CLI and its `cli` agent definition `name` into `folder`; returns the agents folder. */
export function writeTmuxFakeCliAgent(folder: string, name = 'fake-cli'): string {
  const agentsDir = join(folder, 'agents');
  mkdirSync(agentsDir, { recursive: true });
  const program = join(folder, 'fake-cli.mjs');
  writeFileSync(program, FAKE_CLI);
  writeFileSync(
    join(agentsDir, `${name}.md`),
    `---\nname: ${name}\ndescription: A fake coding CLI\nruntime: cli\ncommand: ${JSON.stringify([process.execPath, program])}\n---\nEdits the ticket's files.\n`,
  );
  return agentsDir;
}
