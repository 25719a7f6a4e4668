import { openMemoryJournal } from '../../src/core/index.js';
import { describeJournalContract } from './journal-contract.js';

describeJournalContract('MemoryJournal', (runId) => {
  const journal = openMemoryJournal(runId);
  return { runId, journal, read: () => journal.read() };
});
