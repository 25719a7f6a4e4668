import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfigSchema } from '../src/core/index.js';
import { openRunStore } from '../src/store/index.js';
import { makeTempDir, parseNdjson, runCli, writeWorkerAgent } from './helpers/cli.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';

// Issue 13: `--cpu-target` and `--[no-]pressure-control` on run, route and resume; bad values exit 2
// naming the flag or the variable; the run keeps what it was given, and resume overrides it, saying so.

let temp: TempFolder;
let folder: string;
let agentsDir: string;
let db: string;

beforeAll(() => {
  temp = createTempFolder('ensemble-cli-pressure-');
  folder = temp.folder;
  ({ agentsDir } = writeWorkerAgent(folder));
  db = join(folder, 'journal.db');
  writeFileSync(join(folder, 'pair.yaml'), 'name: Pair\ntasks:\n  - {id: first, agentName: worker, prompt: sleep=10}\n  - {id: second, agentName: worker, prompt: sleep=10}\n');
});

afterAll(() => temp.remove());

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ WORKER_LOG: join(folder, 'worker.log'), ...extra });
const ensemble = (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) => runCli([...args, '--db', db, '--agents-dir', agentsDir], { cwd: folder, env: env(extraEnv) });
const workflowArgs = ['run', 'pair.yaml'];

describe('pressure flags: bad input', () => {
  for (const value of ['abc', '150', '']) {
    it(`rejects --cpu-target ${JSON.stringify(value)} with exit 2, naming the flag`, async () => {
      const result = await ensemble(['run', 'feature', '--param', 'feature=x', '--cpu-target', value]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--cpu-target: expected a percentage from 5 to 100, got "${value}"`);
      expect(result.stdout).toBe('');
    });
  }

  it('rejects --cpu-target on route and resume too', async () => {
    expect((await ensemble(['route', 'feature', 'add', 'a', 'login', '--cpu-target', 'lots'])).stderr).toContain('--cpu-target: expected a percentage');
    const resumed = await ensemble(['resume', 'run-none', '--cpu-target', '101']);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain('--cpu-target: expected a percentage from 5 to 100, got "101"');
  });

  it('rejects a bad ENSEMBLE_CPU_TARGET or ENSEMBLE_PRESSURE_CONTROL with exit 2 naming the variable, before the run is journaled', async () => {
    const badTarget = await ensemble(workflowArgs, { ENSEMBLE_CPU_TARGET: 'high' });
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toContain('ENSEMBLE_CPU_TARGET: expected a percentage such as 60, got "high"');
    const badSwitch = await ensemble(workflowArgs, { ENSEMBLE_PRESSURE_CONTROL: 'sometimes' });
    expect(badSwitch.code).toBe(2);
    expect(badSwitch.stderr).toContain('ENSEMBLE_PRESSURE_CONTROL: expected on or off, got "sometimes"');
    const store = openRunStore(db);
    try {
      expect(store.listRuns().filter((run) => run.workflowName === 'Pair')).toEqual([]);
    } finally {
      store.close();
    }
  });
});

describe('pressure flags: kept with the run, overridden on resume', () => {
  it('stores --cpu-target and --no-pressure-control with the run', async () => {
    const result = await ensemble([...workflowArgs, '--json', '--cpu-target', '45%', '--no-pressure-control']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    const runId = events[0]?.['runId'] as string;
    const store = openRunStore(db);
    try {
      expect(store.getRun(runId)?.spec.config.resources).toEqual({ pressureControl: false, cpuTarget: 45 });
    } finally {
      store.close();
    }
  });

  it("overrides the run's settings field by field on resume, and says so", async () => {
    const runId = 'run-pressure-resume';
    const store = openRunStore(db);
    try {
      const config = runConfigSchema.parse({ maxParallelAgents: 2, resources: { pressureControl: true, memoryFloorMb: 900 } });
      const spec = { tasks: [{ id: 'only', agentName: 'worker', description: '', prompt: 'sleep=10', dependencies: [], priority: 5 }], config, parameters: {}, settings: { workspaceDir: folder, agentDirs: [agentsDir] } };
      const claim = store.createRun({ runId, workflowName: 'pressure', spec, owner: { pid: 999_999, host: 'gone' }, createdAt: Date.now() });
      let seq = 1;
      const envelope = () => ({ runId, seq: seq++, at: Date.now() });
      store.journalFor(runId, claim).append([
        { type: 'workflow:start', ...envelope(), workflowName: 'pressure', taskCount: 1, maxParallelAgents: 2, resumed: false, completedTaskCount: 0 },
        { type: 'task:added', ...envelope(), taskId: 'only', agentName: 'worker', description: '', dependencies: [], priority: 5 },
      ]);
      store.markRunStatus(runId, 'interrupted');
    } finally {
      store.close();
    }
    const result = await ensemble(['resume', runId, '--json', '--cpu-target', '70', '--no-pressure-control']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("resume: --cpu-target 70 overrides the run's none");
    expect(result.stderr).toContain("resume: resources.pressureControl false overrides the run's true");
    const reopened = openRunStore(db);
    try {
      expect(reopened.getRun(runId)?.status).toBe('succeeded');
      expect(reopened.getRun(runId)?.spec.config.resources).toEqual({ pressureControl: false, memoryFloorMb: 900, cpuTarget: 70 });
    } finally {
      reopened.close();
    }
  });

  it('lists the flags in the help of run, route and resume', async () => {
    for (const command of ['run', 'route', 'resume']) {
      const help = await runCli([command, '--help'], { cwd: makeTempDir('ensemble-cli-pressure-help-') });
      expect(help.stdout).toContain('--cpu-target <percent>');
      expect(help.stdout).toContain('--no-pressure-control');
    }
  });
});
