import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEnsembleServer, type EnsembleServer } from '../src/server/index.js';
import { isProcessGone, parseNdjson, startCli } from './helpers/cli.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';
import { waitUntil } from './helpers/wait-until.js';

const BURNER_SOURCE = 'const end = Date.now() + 120000; const hold = Buffer.alloc(16 * 1024 * 1024, 1); let i = 0; while (Date.now() < end) { hold[i++ % hold.length]++; }';

/** The value of the sample `name{labels}` in an exposition (labels in the order prom-client writes them). */
function sampleValue(text: string, name: string, labels = ''): number | undefined {
  const prefix = labels === '' ? `${name} ` : `${name}{${labels}} `;
  const line = text.split('\n').find((entry) => entry.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

describe('GET /metrics of a real server: the resources of agents another process runs on this host', () => {
  let temp: TempFolder;
  let server: EnsembleServer | undefined;

  beforeEach(() => {
    temp = createTempFolder('ensemble-monitor-metrics-');
  });
  afterEach(async () => {
    await server?.close();
    temp.remove();
  });

  it('exports the CPU seconds (rising), RSS and limit of a CLI run\'s command agent, and the host\'s CPU and memory', async () => {
    const db = join(temp.folder, 'ensemble.db');
    server = createEnsembleServer({ port: 0, storePath: db, workspaceDir: temp.folder, env: {}, logger: { warn: () => {}, error: () => {} } });
    const { url } = await server.listen();

    const agentsDir = join(temp.folder, 'agents');
    mkdirSync(agentsDir);
    writeFileSync(join(agentsDir, 'burner.md'), `---\nname: burner\ndescription: Burns CPU\nruntime: command\ncommand: ${JSON.stringify([process.execPath, '-e', BURNER_SOURCE])}\n---\nBurns.\n`);
    writeFileSync(join(temp.folder, 'burn.json'), JSON.stringify({ name: 'burn', config: { maxParallelAgents: 3 }, tasks: [{ id: 'burn-1', agentName: 'burner', prompt: 'burn' }] }));
    const run = startCli(['run', 'burn.json', '--json', '--db', db, '--agents-dir', agentsDir], { cwd: temp.folder, env: { ENSEMBLE_PRESSURE_CONTROL: 'off' } });
    let stdout = '';
    run.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    let agentPid: number | undefined;
    try {
      const started = await waitUntil(
        () => {
          const events = parseNdjson(stdout.slice(0, stdout.lastIndexOf('\n') + 1));
          const group = events.find((event) => event.type === 'agent:process' && event.state === 'started');
          return group !== undefined && { runId: String(group.runId), pid: Number(group.pid) };
        },
        'the agent to start',
        { timeoutMs: 60_000 },
      );
      agentPid = started.pid;
      const labels = `run="${started.runId}",task="burn-1",agent="burner"`;
      const scrape = async (): Promise<string> => {
        const response = await fetch(`${url}/metrics`);
        expect(response.status).toBe(200);
        return response.text();
      };
      const first = await scrape();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const second = await scrape();
      expect(sampleValue(first, 'ensemble_agent_cpu_seconds_total', labels)).toBeGreaterThan(0);
      expect(sampleValue(second, 'ensemble_agent_cpu_seconds_total', labels)).toBeGreaterThan(sampleValue(first, 'ensemble_agent_cpu_seconds_total', labels)!);
      expect(sampleValue(second, 'ensemble_agent_rss_bytes', labels)).toBeGreaterThan(16 * 1024 * 1024);
      expect(sampleValue(second, 'ensemble_process_agent_limit', `run="${started.runId}"`)).toBe(3);
      const utilisation = sampleValue(second, 'ensemble_host_cpu_utilisation')!;
      // A busy loop runs on this host: the host is not idle over the second between scrapes.
      expect(utilisation).toBeGreaterThan(0);
      expect(utilisation).toBeLessThanOrEqual(1);
      expect(sampleValue(second, 'ensemble_host_memory_available_bytes')).toBeLessThanOrEqual(sampleValue(second, 'ensemble_host_memory_total_bytes')!);
    } finally {
      if (run.exitCode === null) {
        const exited = new Promise((resolve) => run.once('close', resolve));
        run.kill('SIGINT');
        await exited;
      }
      if (agentPid !== undefined) {
        const pid = agentPid;
        await waitUntil(() => isProcessGone(pid), 'the agent to end', { timeoutMs: 30_000 });
      }
    }
    // Once the run is over its agent has no series.
    const after = await (await fetch(`${url}/metrics`)).text();
    expect(after).not.toMatch(/^ensemble_agent_cpu_seconds_total\{/m);
  }, 120_000);
});
