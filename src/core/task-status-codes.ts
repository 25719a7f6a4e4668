import type { TASK_STATUSES, TaskStatus } from './types.js';

/**
 * A task's status as the scheduler keeps it, one byte per task in a `Uint8Array`: the status's
 * position in `TASK_STATUSES`, so `TASK_STATUSES[code]` names it.
 */
export const TASK_STATUS_CODES = {
  PENDING: 0,
  RUNNING: 1,
  RETRYING: 2,
  SUCCEEDED: 3,
  FAILED: 4,
  SKIPPED: 5,
  CANCELLED: 6,
  /** An escalation is pending: the task holds no slot until a person answers (or its deadline passes). */
  WAITING: 7,
} as const satisfies Record<Uppercase<TaskStatus>, number>;

// Fails to compile, naming the status, if a code is not its status's position in TASK_STATUSES.
type MisplacedStatus = { [S in TaskStatus]: (typeof TASK_STATUSES)[(typeof TASK_STATUS_CODES)[Uppercase<S>]] extends S ? never : S }[TaskStatus];
const _codesMatchStatuses: [MisplacedStatus] extends [never] ? true : MisplacedStatus = true;
