// One agent-registry load measurement in a fresh process, so the first load is really cold.
// Usage: node dist/bench/agent-registry-load-case.js <agentsDir> <emptyProjectDir> <repetitions>
import { mkdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadAgentRegistry } from '../src/index.js';

const [agentsDir, projectDir, repetitionsText] = process.argv.slice(2);
mkdirSync(projectDir!, { recursive: true });
// An empty project and home, so only the collection and the built-in catalogue load.
const load = () => loadAgentRegistry({ agentDirs: [agentsDir!], cwd: projectDir!, homeDir: projectDir! });
let started = performance.now();
const registry = load();
const coldMs = performance.now() - started;
const samplesMs: number[] = [];
for (let repetition = 0; repetition < Number(repetitionsText); repetition++) {
  started = performance.now();
  load();
  samplesMs.push(performance.now() - started);
}
process.stdout.write(`${JSON.stringify({ agentCount: registry.size, coldMs, samplesMs })}\n`);
