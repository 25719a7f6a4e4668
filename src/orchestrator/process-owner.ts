import { hostname } from 'node:os';

export interface ProcessOwner {
  readonly pid: number;
  readonly host: string;
}

export function currentOwner(): ProcessOwner {
  return { pid: process.pid, host: hostname() };
}

/** Whether the process that owns a run still lives. Owners on other hosts are assumed alive. */
export function isOwnerAlive(owner: ProcessOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
