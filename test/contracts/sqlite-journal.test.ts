import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfigSchema, taskSpecSchema } from '../../src/core/index.js';
import { openRunStore } from '../../src/store/index.js';
import { describeJournalContract } from './journal-contract.js';

describeJournalContract('SQLite RunStore.journalFor', (runId) => {
  const folder = mkdtempSync(join(tmpdir(), 'ensemble-journal-contract-'));
  const store = openRunStore(join(folder, 'ensemble.db'));
  // The projection needs the run's row and its tasks' rows: the tasks the contract's events name.
  const tasks = ['a', 'b', 'c', 'd'].map((id) => taskSpecSchema.parse({ id, agentName: 'worker' }));
  const claim = store.createRun({
    runId,
    workflowName: 'contract',
    spec: { tasks, config: runConfigSchema.parse({}), parameters: {} },
    owner: { pid: process.pid, host: hostname() },
    createdAt: Date.now(),
  });
  return {
    runId,
    journal: store.journalFor(runId, claim),
    read: () => store.readEvents(runId),
    close: () => {
      store.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
});
