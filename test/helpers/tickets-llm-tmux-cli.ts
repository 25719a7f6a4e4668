import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A fake coding CLI for tmux ticket runs: reads its prompt on stdin (the ticket runner gives it the
 * prompt file), appends `// <ticket> started` to each file the ticket names, and prints what it
 * does. A ticket whose title says `(interactive)` then waits for a line typed into its tmux window
 * (it opens the window's terminal, which its window runner holds as stdin: `/proc/<ppid>/fd/0`),
 * appends `// <ticket> <line>`, prints `fake-cli: got <LINE>` and ends; nobody typing within a
 * minute makes it exit 3. A ticket whose title says `(until-committed)` ends only once its files
 * are clean in git (a work-in-progress commit took all of its change).
 */
const FAKE_CLI = `
import { execFileSync } from 'node:child_process';
import { appendFileSync, constants, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ReadStream } from 'node:tty';
let prompt = '';
for await (const chunk of process.stdin) prompt += chunk;
const ticket = /Ticket (T-\\d+)/.exec(prompt)?.[1] ?? 'T-?';
const files = (/Files this ticket is expected to change: (.*)/.exec(prompt)?.[1] ?? '').split(', ').filter(Boolean);
for (const file of files) appendFileSync(file, '// ' + ticket + ' started\\n');
console.log('fake-cli: working on ' + ticket + ' (' + files.join(', ') + ')');
if (prompt.includes('(interactive)')) {
  console.log('fake-cli: waiting for input');
  // A tty stream (not an fs one: a read blocked in the thread pool would hold the process at exit).
  const terminal = new ReadStream(openSync('/proc/' + process.ppid + '/fd/0', constants.O_RDONLY | constants.O_NOCTTY));
  const lines = createInterface({ input: terminal });
  const timer = setTimeout(() => {
    console.log('fake-cli: nobody typed');
    process.exit(3);
  }, 60000);
  const line = await new Promise((resolve) => lines.once('line', resolve));
  clearTimeout(timer);
  lines.close();
  terminal.destroy();
  for (const file of files) appendFileSync(file, '// ' + ticket + ' ' + line + '\\n');
  console.log('fake-cli: got ' + line.toUpperCase());
}
if (prompt.includes('(until-committed)')) {
  // Ends only once the team's cadence committed all of its work (bounded: 60 s).
  const isCommitted = () => execFileSync('git', ['status', '--porcelain', '--', ...files], { encoding: 'utf8' }).trim() === '';
  for (let round = 0; round < 600 && !isCommitted(); round++) await new Promise((resolve) => setTimeout(resolve, 100));
  console.log('fake-cli: the cadence committed my work');
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
