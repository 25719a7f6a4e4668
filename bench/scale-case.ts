// One scale measurement in a fresh process, so peak RSS belongs to this case alone.
// Usage: node dist/bench/scale-case.js <taskCount> <journal: 0|1>
import { measureRun } from './overhead.js';
import { randomDag } from './random-dag.js';

const taskCount = Number(process.argv[2]);
const journal = process.argv[3] === '1';
const tasks = randomDag(taskCount, 42, 'noop');
const microseconds = await measureRun(tasks, { journal, concurrency: 64 });
process.stdout.write(`${JSON.stringify({ taskCount, journal, seconds: microseconds / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
