/** The machine ensemble runs on: the system clock, this process as a run's owner, and process groups left behind by a crash. */
export { systemClock } from './system-clock.js';
/** The default logger: `ensemble: …` lines on stderr. */
export { stderrLogger } from './stderr-logger.js';
/** This process as a run owner (pid, host, start time), and whether a recorded owner still runs its run. */
export {
  currentOwner,
  isOwnerAlive,
  isProcessAlive,
  holdClaim,
  releaseHeldClaim,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
} from './process-owner.js';
export type { ProcessOwner, RecordedProcessOwner } from './process-owner.js';
/** A process's start time in clock ticks since boot (Linux `/proc/<pid>/stat` field 22), and whether it is a zombie. */
export { readProcessStartTicks, isZombieProcess } from './process-start-ticks.js';
/** Kills a process group left behind by a crashed run, only if it is still the recorded one, and waits until it is gone. */
export { terminateProcessGroup, isProcessGroupAlive } from './process-group.js';
export type { RecordedProcessGroup, TerminateProcessGroupOptions, TerminationResult } from './process-group.js';
/** Closes a Redis connection without waiting on a server that is down. */
export { quitRedis } from './quit-redis.js';
