import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, parseNdjson, runCli } from './helpers/cli.js';

// Issue 6: agent output printed to the terminal passed escape sequences through (window title, clear screen).

/** What the hostile agent prints: a window title (OSC 0), a clipboard write (OSC 52), clear screen, cursor home, an 8-bit CSI, a bell. */
const HOSTILE_OUTPUT = 'before \u001b]0;pwned\u0007\u001b]52;c;ZXZpbA==\u001b\\\u001b[2J\u001b[H\u009b1;1H\u0007after\n';
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let folder: string;
let agentsDir: string;
let db: string;

beforeAll(() => {
  folder = makeTempDir('ensemble-cli-sanitize-');
  agentsDir = join(folder, 'agents');
  mkdirSync(agentsDir);
  const command = [process.execPath, '-e', `process.stdout.write(${JSON.stringify(HOSTILE_OUTPUT)})`];
  writeFileSync(join(agentsDir, 'hostile.md'), `---\nname: hostile\ndescription: Prints escape sequences\nruntime: command\ncommand: ${JSON.stringify(command)}\n---\nTest.\n`);
  db = join(folder, 'journal.db');
  writeFileSync(join(folder, 'hostile.json'), JSON.stringify({ name: 'hostile', tasks: [{ id: 'speak', agentName: 'hostile' }] }));
});

const ensemble = (...args: string[]) => runCli([...args, '--db', db, '--agents-dir', agentsDir], { cwd: folder });

describe('agent output on the terminal is sanitised; --json stays exact', () => {
  it('run (line view and summary), runs show --output', async () => {
    const run = await ensemble('run', 'hostile.json');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(TERMINAL_CONTROL);
    expect(run.stdout).toContain('before after');

    const json = await ensemble('run', 'hostile.json', '--json');
    const complete = parseNdjson(json.stdout).find((event) => event.type === 'task:complete')!;
    expect(complete.output).toBe(HOSTILE_OUTPUT);

    const shown = await ensemble('runs', 'show', String(complete.runId), '--output');
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toMatch(TERMINAL_CONTROL);
    expect(shown.stdout).toContain('before after');
    const shownJson = JSON.parse((await ensemble('runs', 'show', String(complete.runId), '--json')).stdout) as { tasks: { output: string }[] };
    expect(shownJson.tasks[0]!.output).toBe(HOSTILE_OUTPUT);
  });

  it('chat prints the reply sanitised; chat --json keeps it exact', async () => {
    const chat = await ensemble('chat', 'hostile', 'hello');
    expect(chat.code).toBe(0);
    expect(chat.stdout).toBe('before after\n');
    const json = JSON.parse((await ensemble('chat', 'hostile', 'hello', '--json')).stdout) as { reply: string };
    expect(json.reply).toBe(HOSTILE_OUTPUT);
    const memory = await ensemble('memory', 'list', 'hostile');
    expect(memory.stdout).not.toMatch(TERMINAL_CONTROL);
  });
});
