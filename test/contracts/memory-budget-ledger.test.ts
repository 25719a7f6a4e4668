import { BudgetLedger } from '../../src/core/index.js';
import { describeBudgetPortContract } from './budget-port-contract.js';

describeBudgetPortContract('BudgetLedger (in process)', (caps, spent) =>
  Promise.resolve({ port: new BudgetLedger(caps, spent === undefined ? {} : { spent }), dispose: () => Promise.resolve() }),
);
