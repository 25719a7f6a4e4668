import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openRunStore } from '../../src/store/index.js';

// A process racing another for one lease (codebase-store.test.ts): it says it is ready, waits for
// the go file (so both start together), then 2000 times acquires `src/**`, checks nobody else holds
// an overlapping lease, and releases it. Prints {"wins":n,"violations":n}.

const folder = process.env['RACE_FOLDER'] ?? '';
const owner = process.env['RACE_OWNER'] ?? '';
const store = openRunStore(join(folder, 'ensemble.db'));
writeFileSync(join(folder, `ready-${owner}`), '');
const pause = new Int32Array(new SharedArrayBuffer(4));
for (let waits = 0; !existsSync(join(folder, 'go')) && waits < 30_000; waits++) Atomics.wait(pause, 0, 0, 1);
let wins = 0;
let violations = 0;
for (let round = 0; round < 2000; round++) {
  const result = store.codebase.acquireLeases({ owner, runId: 'r', taskId: owner, patterns: ['src/**', `src/${owner}.ts`], ttlMs: 60_000 }, round);
  if (!result.ok) continue;
  wins += 1;
  if (store.codebase.listLeases(round).some((held) => held.owner !== owner)) violations += 1;
  store.codebase.releaseLeases(owner);
}
store.close();
process.stdout.write(JSON.stringify({ wins, violations }));
