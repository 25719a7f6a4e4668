import { z } from 'zod';

/** How tickets share the workspace: one at a time, file leases, or a branch per ticket. */
export const ISOLATION_MODES = ['queue', 'locks', 'branches'] as const;
export type IsolationMode = (typeof ISOLATION_MODES)[number];

/** One member of the team: a worker named `member` running agent definition `agentName`. */
export const teamMemberSchema = z.strictObject({
  member: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_" only'),
  agentName: z.string().min(1),
});
export type TeamMember = z.output<typeof teamMemberSchema>;

/**
 * What a ticket run is started with; stored as the run's parameters (`ticketRun`), so a resume
 * (any process) rebuilds the same wiring. Durations in ms.
 */
export const ticketRunOptionsSchema = z.strictObject({
  mode: z.enum(ISOLATION_MODES).default('locks'),
  team: z.array(teamMemberSchema).min(1, 'the team needs at least one agent').max(64),
  /**
   * Largest share (0-1) of a ticket's estimated files that may overlap work in progress when it is
   * assigned. @default 0 in `queue`/`locks` (no overlap), 1 in `branches` (branches isolate; the review queue predicts the conflicts)
   */
  overlapThreshold: z.number().min(0).max(1).optional(),
  /** A lease lives this long unless renewed (the agent renews it while it runs). @default 30 min (seed: "Timeout after 30 minutes") */
  leaseTtlMs: z.int().min(1_000).max(24 * 3_600_000).default(30 * 60_000),
  /** Tries per ticket before it goes to the human queue as `agent-failed`. @default 3 */
  maxTries: z.int().min(1).max(20).default(3),
  /** Wait before each retry, in ms (the last repeats). @default 1, 5, 15 minutes (the seed's retry policy) */
  backoffMs: z.array(z.int().min(0).max(24 * 3_600_000)).min(1).default([60_000, 300_000, 900_000]),
  /** Escalations of one ticket after which it is flagged `complex` and needs a person. @default 3 */
  repeatedEscalations: z.int().min(1).max(50).default(3),
  /** A person has this long to answer a policy's escalation (invalid output, agent-failed); absent: no deadline. */
  escalationDeadlineMs: z.int().min(1_000).optional(),
  /** Time limit of one ticket attempt. @default 30 min */
  ticketTimeoutMs: z.int().min(1_000).default(30 * 60_000),
  /** Time limit of a ticket's verify command. @default 10 min */
  verifyTimeoutMs: z.int().min(1_000).default(10 * 60_000),
  /** Keep running and pick up tickets added while it runs, until cancelled. @default false */
  follow: z.boolean().default(false),
  /** `cli` agents run in tmux windows (one session per team, one window per member). @default false */
  tmux: z.boolean().default(false),
  /** The tmux team (session `ensemble-<team>`). @default the workspace folder's name */
  teamName: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  /** tmux mode: how often the orchestrator checks in on each agent (a pane capture journaled). @default 15 min (seed) */
  checkInMs: z.int().min(1_000).default(15 * 60_000),
  /** tmux mode: how often a running agent's work is committed. @default 30 min (seed) */
  commitEveryMs: z.int().min(1_000).default(30 * 60_000),
});
export type TicketRunOptionsInput = z.input<typeof ticketRunOptionsSchema>;
export type TicketRunOptions = z.output<typeof ticketRunOptionsSchema>;

/** The overlap threshold that applies in `mode`. */
export function overlapThresholdOf(options: Pick<TicketRunOptions, 'mode' | 'overlapThreshold'>): number {
  return options.overlapThreshold ?? (options.mode === 'branches' ? 1 : 0);
}

/**
 * Reads `--agents a,b:2` into team members: `b:2` is two workers of agent `b`, named `b-1` and
 * `b-2`; a lone agent keeps its name. INVALID_INPUT naming the entry for a bad count.
 */
export function parseTeam(spec: string): TeamMember[] {
  const members: TeamMember[] = [];
  for (const entry of spec.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const [agentName = '', countText] = entry.split(':');
    const count = countText === undefined ? 1 : Number(countText);
    if (agentName === '' || !Number.isInteger(count) || count < 1 || count > 32) {
      throw new TypeError(`--agents: "${entry}" must be an agent name, optionally with ":<count>" of 1-32 (e.g. "coder:3")`);
    }
    for (let index = 1; index <= count; index++) members.push({ member: count === 1 ? agentName : `${agentName}-${index}`, agentName });
  }
  const seen = new Set<string>();
  for (const { member } of members) {
    if (seen.has(member)) throw new TypeError(`--agents: "${member}" appears twice; give a count instead ("${member}:2")`);
    seen.add(member);
  }
  if (members.length === 0) throw new TypeError('--agents: name at least one agent (e.g. "coder:2,tester")');
  return members;
}
