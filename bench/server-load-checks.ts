import type { FollowerRecord } from './server-load-follower.js';

/** An event as the journal holds it. */
export interface JournalEvent {
  readonly seq: number;
  readonly type: string;
  readonly at: number;
}

/** A run as `GET /api/runs` lists it (the fields the bench checks). */
export interface ListedRun {
  readonly runId: string;
  readonly status: string;
  readonly totalTasks: number;
  readonly successfulTasks: number;
}

export interface LoadExpectations {
  readonly runCount: number;
  readonly followersPerRun: number;
  readonly tasksPerRun: number;
}

/** Problems listed per check, at most this many each, so a broken server does not print 10,000 lines. */
const MAX_PROBLEMS_PER_FOLLOWER = 3;

/**
 * Every follower received every event of its run exactly once, in seq order 1..N with no gap,
 * each frame's id its seq, type and time as journaled, ending with `workflow:complete`; N is the
 * journal's count; every run started is listed, succeeded with all its tasks, and had all its
 * followers. Returns the problems found (none: the load was served correctly).
 */
export function checkLoadResults(
  followers: readonly FollowerRecord[],
  journal: ReadonlyMap<string, readonly JournalEvent[]>,
  listedRuns: readonly ListedRun[],
  startedRunIds: readonly string[],
  expected: LoadExpectations,
): string[] {
  const problems: string[] = [];
  if (startedRunIds.length !== expected.runCount) problems.push(`${startedRunIds.length} runs started, expected ${expected.runCount}`);
  if (new Set(startedRunIds).size !== startedRunIds.length) problems.push('two executions returned the same run id');
  const listed = new Map(listedRuns.map((run) => [run.runId, run]));
  if (listedRuns.length !== startedRunIds.length) problems.push(`GET /api/runs lists ${listedRuns.length} runs, ${startedRunIds.length} were started`);
  for (const runId of startedRunIds) {
    const run = listed.get(runId);
    if (run === undefined) problems.push(`run ${runId} is not listed by GET /api/runs (lost)`);
    else if (run.status !== 'succeeded' || run.successfulTasks !== expected.tasksPerRun || run.totalTasks !== expected.tasksPerRun) {
      problems.push(`run ${runId}: ${run.status} with ${run.successfulTasks}/${run.totalTasks} tasks succeeded, expected succeeded with ${expected.tasksPerRun}`);
    }
    const followerCount = followers.filter((follower) => follower.runId === runId).length;
    if (followerCount !== expected.followersPerRun) problems.push(`run ${runId}: ${followerCount} followers finished, expected ${expected.followersPerRun}`);
    const events = journal.get(runId) ?? [];
    if (events.length === 0) problems.push(`run ${runId}: no events in the journal`);
    else if (events.at(-1)?.type !== 'workflow:complete') problems.push(`run ${runId}: the journal ends with ${events.at(-1)?.type}, not workflow:complete`);
  }
  for (const [index, follower] of followers.entries()) problems.push(...checkFollower(`follower ${index} of run ${follower.runId}`, follower, journal.get(follower.runId) ?? []));
  return problems;
}

/** One follower's stream against its run's journal. */
export function checkFollower(label: string, follower: FollowerRecord, journal: readonly JournalEvent[]): string[] {
  const problems: string[] = [];
  const { events } = follower;
  if (events.length !== journal.length) problems.push(`${label}: received ${events.length} events, the journal has ${journal.length}`);
  for (const [index, event] of events.entries()) {
    if (problems.length >= MAX_PROBLEMS_PER_FOLLOWER) break;
    const expected = journal[index];
    if (event.seq !== index + 1) problems.push(`${label}: event ${index + 1} received has seq ${event.seq} (a gap, a duplicate or out of order)`);
    else if (event.runId !== follower.runId) problems.push(`${label}: seq ${event.seq} belongs to run ${event.runId}`);
    else if (event.frameId !== String(event.seq)) problems.push(`${label}: seq ${event.seq} came in a frame with id ${JSON.stringify(event.frameId)}`);
    else if (expected === undefined || expected.type !== event.type || expected.at !== event.at) {
      problems.push(`${label}: seq ${event.seq} is ${event.type}@${event.at}, the journal has ${expected === undefined ? 'nothing' : `${expected.type}@${expected.at}`}`);
    }
  }
  if (events.at(-1)?.type !== 'workflow:complete') problems.push(`${label}: the stream ended after ${events.at(-1)?.type ?? 'no event'}, not workflow:complete`);
  return problems.slice(0, MAX_PROBLEMS_PER_FOLLOWER);
}
