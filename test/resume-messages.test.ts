import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunStore } from '../src/store/index.js';
import { makeTempDir, parseNdjson, runCli, startCli } from './helpers/cli.js';

/** A `command` agent running `node <script>` in the agents folder. */
function writeAgent(agentsDir: string, name: string, script: string): void {
  writeFileSync(join(agentsDir, `${name}.js`), script);
  writeFileSync(
    join(agentsDir, `${name}.md`),
    `---\nname: ${name}\ndescription: test agent ${name}\nruntime: command\ncommand: ["node", ${JSON.stringify(join(agentsDir, `${name}.js`))}]\n---\n`,
  );
}

// talker sends a message and finishes; blocker holds the run long enough to be killed; listener
// (after both) prints every message its context file holds.
const TASKS = [
  { id: 'talk', agentName: 'talker', prompt: 'say it' },
  { id: 'block', agentName: 'blocker', prompt: 'wait' },
  { id: 'listen', agentName: 'listener', prompt: 'listen', dependencies: ['talk', 'block'] },
];

describe('a bus exchange survives kill -9 (issue 8)', () => {
  it('replays a message journaled before the crash into the context of a task that runs after the resume, sent once', async () => {
    const folder = makeTempDir();
    const agentsDir = join(folder, 'agents');
    mkdirSync(agentsDir);
    writeAgent(agentsDir, 'talker', `process.stdout.write('talked\\n<AGENT_MESSAGE to="listener">use port 8080</AGENT_MESSAGE>\\n');`);
    writeAgent(agentsDir, 'blocker', `setTimeout(() => process.stdout.write('unblocked'), Number(process.env.BLOCK_MS ?? 0));`);
    writeAgent(
      agentsDir,
      'listener',
      `const { readFileSync } = require('node:fs');
const entries = JSON.parse(readFileSync(process.env.ENSEMBLE_CONTEXT, 'utf8'));
const texts = (Array.isArray(entries) ? entries : entries.entries ?? []).map((entry) => entry.text);
process.stdout.write('heard: ' + texts.join(' | '));`,
    );
    const workflowPath = join(folder, 'talk.json');
    writeFileSync(workflowPath, JSON.stringify({ name: 'talk', config: { maxParallelAgents: 2 }, tasks: TASKS }));
    const db = join(folder, 'journal.db');

    const child = startCli(['run', workflowPath, '--json', '--db', db, '--agents-dir', agentsDir], { cwd: folder, env: { BLOCK_MS: '60000' } });
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('"type":"agent:message"')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`the run ended before it was killed (code ${code})\n${stdout}`));
      });
    });
    await new Promise((resolve) => child.on('close', resolve));
    const runId = String(parseNdjson(stdout.slice(0, stdout.lastIndexOf('\n') + 1))[0]!.runId);

    const resumed = await runCli(['resume', runId, '--json', '--db', db], { cwd: folder, env: { BLOCK_MS: '0' } });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const store = openRunStore(db);
    try {
      const events = store.readEvents(runId);
      const messages = events.filter((event) => event.type === 'agent:message');
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ from: 'talker', to: 'listener', content: 'use port 8080' });
      const listen = store.listTasks(runId).find((task) => task.taskId === 'listen')!;
      expect(listen.output).toContain('heard: ');
      expect(listen.output).toContain('use port 8080');
      // The tag left the talker's stored output; the message is in the journal instead.
      expect(store.listTasks(runId).find((task) => task.taskId === 'talk')!.output).not.toContain('AGENT_MESSAGE');
      const receipt = events.find((event) => event.type === 'task:context' && event.taskId === 'listen');
      expect(receipt).toBeDefined();
    } finally {
      store.close();
    }
  });
});
