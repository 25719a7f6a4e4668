import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerAgent, SIMULATED_LABEL, unregisterAgent } from '../src/agents/index.js';
import { consult } from '../src/meetings/index.js';
import { openRunStore } from '../src/store/index.js';
import { runCli } from './helpers/cli.js';
import { createTempFolder } from './helpers/temp-folder.js';

let folder: string;
let db: string;
let removeFolder: () => void;
const registered: string[] = [];

beforeEach(() => {
  ({ folder, remove: removeFolder } = createTempFolder('ensemble-consult-'));
  db = join(folder, 'journal.db');
});

afterEach(() => {
  for (const name of registered.splice(0)) unregisterAgent(name);
  removeFolder();
});

function inProcess(name: string, run: Parameters<typeof registerAgent>[0]['run']): void {
  registered.push(name);
  registerAgent({ name, run });
}

const options = () => ({ store: db, workspaceDir: folder, simulatedLatencyMs: 0 });

describe('consult (library, real orchestrator and journal)', () => {
  it('asks every agent in parallel, none seeing another answer, then synthesises from all the answers', async () => {
    let running = 0;
    let mostAtOnce = 0;
    const answerer = (stance: string) => async (task: { prompt: string }) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      await new Promise((resolve) => setTimeout(resolve, 50));
      running--;
      return `${stance} (question seen: ${task.prompt.includes('## Question\n\nShould we adopt GraphQL?')})`;
    };
    inProcess('c-architect', answerer('yes, for the mobile clients'));
    inProcess('c-security', answerer('only with query cost limits'));
    inProcess('c-ops', answerer('no, REST caching is simpler'));
    let synthesisInputs: string[] = [];
    inProcess('c-lead', (task, context) => {
      synthesisInputs = context.inputs.map((input) => `${input.taskId}=${input.output}`);
      return `synthesis of ${context.inputs.length} answers; prompt names ${task.prompt.includes('`answer.c-security`')}`;
    });

    const result = await consult({ question: 'Should we adopt GraphQL?', agents: ['c-architect', 'c-security', 'c-ops'], synthesizer: 'c-lead' }, options());
    expect(result.status).toBe('succeeded');
    expect(mostAtOnce).toBe(3);
    expect(result.answers).toEqual([
      { agentName: 'c-architect', taskId: 'answer.c-architect', status: 'succeeded', answer: 'yes, for the mobile clients (question seen: true)' },
      { agentName: 'c-security', taskId: 'answer.c-security', status: 'succeeded', answer: 'only with query cost limits (question seen: true)' },
      { agentName: 'c-ops', taskId: 'answer.c-ops', status: 'succeeded', answer: 'no, REST caching is simpler (question seen: true)' },
    ]);
    expect(result.synthesis).toEqual({ agentName: 'c-lead', taskId: 'synthesis', text: 'synthesis of 3 answers; prompt names true' });
    expect(synthesisInputs).toEqual([
      'answer.c-architect=yes, for the mobile clients (question seen: true)',
      'answer.c-security=only with query cost limits (question seen: true)',
      'answer.c-ops=no, REST caching is simpler (question seen: true)',
    ]);
    const store = openRunStore(db);
    try {
      const run = store.getRun(result.runId)!;
      expect(run).toMatchObject({ workflowId: 'consult', workflowName: 'consult: Should we adopt GraphQL?', status: 'succeeded' });
      // Answers stay independent: the run's context strategy hands no answer to another.
      expect(run.spec.config.contextStrategy).toBe('isolated');
      expect(store.listTasks(result.runId).find((task) => task.taskId === 'synthesis')?.dependencies).toEqual(['answer.c-architect', 'answer.c-security', 'answer.c-ops']);
    } finally {
      store.close();
    }
  });

  it('runs catalogue agents on the simulated runtime when no provider is configured, synthesised by tech-lead by default', async () => {
    const result = await consult({ question: 'How do we scale the event bus?', agents: ['backend-architect', 'cloud-architect'] }, options());
    expect(result.status).toBe('succeeded');
    expect(result.answers.every((answer) => answer.answer?.startsWith(SIMULATED_LABEL))).toBe(true);
    expect(result.synthesis?.agentName).toBe('tech-lead');
    expect(result.synthesis?.text.startsWith(SIMULATED_LABEL)).toBe(true);
  });

  it('reports a failed answer and synthesises the answers there are (issue 8: one agent down must not cost the others)', async () => {
    inProcess('c-ok', () => 'fine');
    inProcess('c-down', () => {
      throw new Error('model unavailable');
    });
    let heard: readonly string[] = [];
    inProcess('c-lead', (_task, context) => {
      heard = context.inputs.map((input) => input.taskId);
      return 'synthesis of one answer';
    });
    const result = await consult({ question: 'q?', agents: ['c-ok', 'c-down'], synthesizer: 'c-lead' }, options());
    expect(result.status).toBe('failed');
    expect(result.answers).toMatchObject([
      { agentName: 'c-ok', status: 'succeeded', answer: 'fine' },
      { agentName: 'c-down', status: 'failed', error: { message: expect.stringContaining('model unavailable') } },
    ]);
    expect(result.synthesis).toMatchObject({ agentName: 'c-lead', text: 'synthesis of one answer' });
    expect(heard).toHaveLength(1);
  });

  it('writes no synthesis when no agent answered', async () => {
    inProcess('c-down', () => {
      throw new Error('model unavailable');
    });
    inProcess('c-lead', () => 'never');
    const result = await consult({ question: 'q?', agents: ['c-down'], synthesizer: 'c-lead' }, options());
    expect(result.status).toBe('failed');
    expect(result.synthesis).toBeUndefined();
  });

  it('rejects bad requests naming the field or the agent, before anything is journaled', async () => {
    await expect(consult({ question: '  ', agents: [] }, options())).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'question: must not be empty\nagents: must name at least 1 agent',
    });
    await expect(consult({ question: 'q', agents: ['backend-architct'] }, options())).rejects.toMatchObject({
      code: 'UNKNOWN_AGENT',
      message: expect.stringContaining('did you mean "backend-architect"'),
    });
    await expect(consult({ question: 'q', agents: ['tester'], synthesizer: 'nobody' }, options())).rejects.toMatchObject({ code: 'UNKNOWN_AGENT' });
    const store = openRunStore(db);
    try {
      expect(store.listRuns()).toEqual([]);
    } finally {
      store.close();
    }
  });
});

describe('ensemble consult (built CLI)', () => {
  let agentsDir: string;
  beforeEach(() => {
    agentsDir = join(folder, 'test-agents');
    mkdirSync(agentsDir);
    const writeAgent = (name: string, script: string) =>
      writeFileSync(join(agentsDir, `${name}.md`), `---\nname: ${name}\ndescription: Test agent ${name}\nruntime: command\ncommand: ${JSON.stringify([process.execPath, '-e', script])}\n---\nTest.\n`);
    writeAgent('answer-yes', 'process.stdout.write("yes: " + process.env.ENSEMBLE_TASK_ID)');
    writeAgent('answer-no', 'process.stdout.write("no: " + process.env.ENSEMBLE_TASK_ID)');
    // Reads the answers from the inputs file every command agent is given.
    writeAgent('synth', 'const inputs = JSON.parse(require("fs").readFileSync(process.env.ENSEMBLE_INPUTS, "utf8")); process.stdout.write("weighed " + inputs.map((i) => i.output).join(" | "))');
  });
  const ensemble = (...args: string[]) => runCli([...args, '--db', db, '--agents-dir', agentsDir], { cwd: folder });

  it('prints the synthesis, or with --json the answers and the synthesis', async () => {
    const text = await ensemble('consult', 'Ship', 'on', 'Friday?', '--agents', 'answer-yes,answer-no', '--synthesizer', 'synth');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Synthesis by synth\nweighed yes: answer.answer-yes | no: answer.answer-no');

    const json = await ensemble('consult', 'Ship on Friday?', '--agents', 'answer-yes, answer-no', '--synthesizer', 'synth', '--json');
    expect(json.code, json.stderr).toBe(0);
    const document = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(document).toMatchObject({
      status: 'succeeded',
      question: 'Ship on Friday?',
      answers: [
        { agentName: 'answer-yes', answer: 'yes: answer.answer-yes' },
        { agentName: 'answer-no', answer: 'no: answer.answer-no' },
      ],
      synthesis: { agentName: 'synth', text: 'weighed yes: answer.answer-yes | no: answer.answer-no' },
      summary: { totalTasks: 3, successfulTasks: 3 },
    });
  });

  it('exits 2 for an unknown agent or an empty agent list entry', async () => {
    const unknown = await ensemble('consult', 'q', '--agents', 'answer-yes,answer-maybe');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown agent "answer-maybe"');
    const empty = await ensemble('consult', 'q', '--agents', 'answer-yes,,answer-no');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--agents: expected agent names separated by commas');
  });
});
