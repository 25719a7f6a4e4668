import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ScaleResult {
  readonly taskCount: number;
  readonly journal: boolean;
  readonly seconds: number;
  readonly peakRssMb: number;
}

const caseScript = fileURLToPath(new URL('./scale-case.js', import.meta.url));

export function benchScale(sizes: readonly number[] = [12_500, 25_000, 50_000], repetitions = 3): ScaleResult[] {
  const results: ScaleResult[] = [];
  for (const journal of [false, true]) {
    for (const taskCount of sizes) {
      const samples: ScaleResult[] = [];
      for (let repetition = 0; repetition < repetitions; repetition++) {
        const output = execFileSync(process.execPath, [caseScript, String(taskCount), journal ? '1' : '0'], { encoding: 'utf8', timeout: 120_000 });
        samples.push(JSON.parse(output.trim()) as ScaleResult);
      }
      samples.sort((a, b) => a.seconds - b.seconds);
      results.push(samples[Math.floor(samples.length / 2)]!);
    }
  }
  return results;
}
