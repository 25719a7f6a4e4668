import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempFolder } from './temp-folder.js';

/**
 * A participant program: logs `start`/`end <task>` to WORKER_LOG (when set), waits SPEAK_MS
 * (when set), and states who it is and which speakers it heard (the `**name:**` lines of its prompt).
 */
const SPEAKER_SOURCE = String.raw`
const fs = require('node:fs');
const log = process.env.WORKER_LOG;
const task = process.env.ENSEMBLE_TASK_ID;
let prompt = '';
process.stdin.on('data', (chunk) => (prompt += chunk));
process.stdin.on('end', () => {
  if (log) fs.appendFileSync(log, 'start ' + task + '\n');
  const heard = [...prompt.matchAll(/^\*\*([\w-]+):\*\*$/gm)].map((match) => match[1]);
  setTimeout(() => {
    if (log) fs.appendFileSync(log, 'end ' + task + '\n');
    process.stdout.write(process.argv[2] + ' (' + task + ') heard ' + (heard.length === 0 ? 'nobody' : heard.join(',')) + '\n');
  }, Number(process.env.SPEAK_MS || 0));
});
`;

/** A facilitator program answering in the minutes format, naming the topic and counting the statements of its prompt. */
const CHAIR_SOURCE = String.raw`
const fs = require('node:fs');
const log = process.env.WORKER_LOG;
const task = process.env.ENSEMBLE_TASK_ID;
let prompt = '';
process.stdin.on('data', (chunk) => (prompt += chunk));
process.stdin.on('end', () => {
  if (log) fs.appendFileSync(log, 'start ' + task + '\n');
  const topic = (/^## Topic \d+ of \d+: (.+)$/m.exec(prompt) || [])[1];
  const statements = (prompt.match(/^\*\*[\w-]+:\*\*$/gm) || []).length;
  if (log) fs.appendFileSync(log, 'end ' + task + '\n');
  process.stdout.write('## Summary\n' + statements + ' statements on ' + topic + '.\n\n## Decisions\n- Adopt the proposal on ' + topic + '\n\n## Action items\n- speaker-a: follow up on ' + topic + ' (due: Friday)\n');
});
`;

/** Writes the agents of the meeting CLI tests (speaker-a, speaker-b, speaker-c, echo-prompt, chair) and returns their folder. */
export function writeMeetingAgents(folder: string): string {
  const agentsDir = join(folder, 'meeting-agents');
  mkdirSync(agentsDir, { recursive: true });
  const speakerPath = join(folder, 'speaker.cjs');
  const chairPath = join(folder, 'chair.cjs');
  writeFileSync(speakerPath, SPEAKER_SOURCE);
  writeFileSync(chairPath, CHAIR_SOURCE);
  const write = (name: string, command: readonly string[]) =>
    writeFileSync(
      join(agentsDir, `${name}.md`),
      `---\nname: ${name}\ndescription: Meeting test agent ${name}\ncategory: testing\nruntime: command\ncommand: ${JSON.stringify(command)}\nenv: [WORKER_LOG, SPEAK_MS]\n---\nTest.\n`,
    );
  for (const name of ['speaker-a', 'speaker-b', 'speaker-c']) write(name, [process.execPath, speakerPath, name]);
  write('echo-prompt', [process.execPath, '-e', 'process.stdin.pipe(process.stdout)']);
  write('chair', [process.execPath, chairPath]);
  return agentsDir;
}

/** A temp folder for a meeting test: its journal path, an empty speakers log, and the participant agents. */
export interface MeetingFolder {
  readonly folder: string;
  readonly db: string;
  readonly log: string;
  readonly agentsDir: string;
  readonly remove: () => void;
}

export function prepareMeetingFolder(prefix: string): MeetingFolder {
  const { folder, remove } = createTempFolder(prefix);
  const log = join(folder, 'speakers.log');
  writeFileSync(log, '');
  return { folder, db: join(folder, 'journal.db'), log, agentsDir: writeMeetingAgents(folder), remove };
}
