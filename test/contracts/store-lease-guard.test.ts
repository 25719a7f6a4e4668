import { join } from 'node:path';
import { createStoreLeaseGuard } from '../../src/codebase/index.js';
import { openRunStore } from '../../src/store/index.js';
import { createTempFolder } from '../helpers/temp-folder.js';
import { describeLeaseGuardContract } from './lease-guard-contract.js';

// The guard a ticket's tools get in `locks` mode, over the journal's lease table (a real SQLite file).
describeLeaseGuardContract('store lease guard (SQLite)', ({ now, ttlMs }) => {
  const temp = createTempFolder('ensemble-lease-guard-');
  const store = openRunStore(join(temp.folder, 'ensemble.db'));
  return {
    guardFor(owner, patterns) {
      const [runId = 'run', ticketId = 'T-0'] = owner.split(':');
      if (patterns.length > 0) {
        const granted = store.codebase.acquireLeases({ owner, runId, taskId: ticketId, ticketId, member: `dev-${ticketId}`, patterns: [...patterns], ttlMs }, now());
        if (!granted.ok) throw new Error(`fixture: could not lease ${patterns.join(', ')}`);
      }
      return createStoreLeaseGuard({ store: store.codebase, owner, runId, taskId: ticketId, ticketId, member: `dev-${ticketId}`, ttlMs, now, onAcquired: () => {} });
    },
    release(owner) {
      store.codebase.releaseLeases(owner);
    },
    close() {
      store.close();
      temp.remove();
    },
  };
});
