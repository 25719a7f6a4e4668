import { createRandom } from '../src/index.js';

/** Folders × files per folder of the benchmark repository (issue 10: a 200-file repository). */
export const FOLDER_COUNT = 20;
export const FILES_PER_FOLDER = 10;
/** Tickets in the workload and members of the team (issue 10: 8 agents on 40 tickets). */
export const TICKET_COUNT = 40;
export const TEAM_SIZE = 8;
/** The fake agent's time per ticket: a fixed 200 ms plus a deterministic jitter of up to ± this, in ms. */
export const AGENT_TIME_MS = 200;
export const AGENT_JITTER_MS = 40;
/** Tickets that share a file with another ticket (~30%), spread over this many hot files. */
const OVERLAPPING_TICKET_COUNT = 12;
const HOT_FILE_COUNT = 4;
/** Tickets that depend on an earlier one (~10%). */
const DEPENDENT_TICKET_COUNT = 4;

/** One ticket of the workload; `dependencies` are indexes of earlier tickets (ticket `i` becomes `T-<i+1>`). */
export interface WorkloadTicket {
  readonly title: string;
  readonly files: readonly string[];
  readonly priority: number;
  readonly dependencies: readonly number[];
  /** How long the fake agent works on it, in ms. */
  readonly agentTimeMs: number;
}

/** The repository's files (path → content) and the tickets against them. */
export interface TicketWorkload {
  readonly seed: number;
  readonly files: Readonly<Record<string, string>>;
  readonly hotFiles: readonly string[];
  readonly tickets: readonly WorkloadTicket[];
}

/** `src/mod-XX/file-YY.ts` for folder `folder` and file `file` (both from 0). */
export function workloadFilePath(folder: number, file: number): string {
  return `src/mod-${String(folder).padStart(2, '0')}/file-${String(file).padStart(2, '0')}.ts`;
}

/**
 * The seeded workload: 200 files whose first line names the file (the fake agent rewrites that
 * line, so two edits of one file conflict in git), and 40 tickets of 1-3 files each. Twelve of
 * them (30%) name one of four hot files besides their own; every other file is named by one ticket
 * only, so exactly those twelve overlap. Four tickets depend on an earlier one.
 */
export function createTicketWorkload(seed: number): TicketWorkload {
  const random = createRandom(seed);
  const pick = (count: number): number => Math.floor(random() * count);
  const files: Record<string, string> = {};
  const paths: string[] = [];
  for (let folder = 0; folder < FOLDER_COUNT; folder++) {
    for (let file = 0; file < FILES_PER_FOLDER; file++) {
      const path = workloadFilePath(folder, file);
      paths.push(path);
      files[path] = `// ${path}\nexport const value${folder}_${file} = ${folder * FILES_PER_FOLDER + file};\n\nexport function describe${folder}_${file}(): string {\n  return '${path}';\n}\n`;
    }
  }
  const cold = shuffle(paths, random);
  const hotFiles = cold.splice(0, HOT_FILE_COUNT);
  const overlapping = new Set(shuffle([...Array(TICKET_COUNT).keys()], random).slice(0, OVERLAPPING_TICKET_COUNT));
  const dependent = new Set(shuffle([...Array(TICKET_COUNT).keys()].slice(1), random).slice(0, DEPENDENT_TICKET_COUNT));
  let hotTurn = 0;
  const tickets: WorkloadTicket[] = [];
  for (let index = 0; index < TICKET_COUNT; index++) {
    const fileCount = 1 + pick(3);
    const chosen: string[] = [];
    // Round-robin over the hot files, so each is named by three tickets.
    if (overlapping.has(index)) chosen.push(hotFiles[hotTurn++ % HOT_FILE_COUNT]!);
    while (chosen.length < fileCount) chosen.push(cold.shift()!);
    tickets.push({
      title: `Rework ${chosen.map((path) => path.replace(/^src\//, '')).join(', ')}`,
      files: chosen,
      priority: 1 + pick(10),
      dependencies: dependent.has(index) ? [pick(index)] : [],
      agentTimeMs: AGENT_TIME_MS - AGENT_JITTER_MS + pick(2 * AGENT_JITTER_MS + 1),
    });
  }
  return { seed, files, hotFiles, tickets };
}

/** Tickets that name a file another ticket names too. */
export function countOverlappingTickets(tickets: readonly WorkloadTicket[]): number {
  const namedBy = new Map<string, number>();
  for (const ticket of tickets) for (const file of new Set(ticket.files)) namedBy.set(file, (namedBy.get(file) ?? 0) + 1);
  return tickets.filter((ticket) => ticket.files.some((file) => (namedBy.get(file) ?? 0) > 1)).length;
}

/** The heaviest dependency chain: its tickets (indexes, first to last) and their summed agent time in ms. */
export function longestDependencyChain(tickets: readonly WorkloadTicket[]): { readonly indexes: readonly number[]; readonly agentTimeMs: number } {
  // Dependencies point to earlier tickets only, so one pass in index order is a topological order.
  const best: { indexes: number[]; agentTimeMs: number }[] = [];
  for (const [index, ticket] of tickets.entries()) {
    let before: { indexes: number[]; agentTimeMs: number } = { indexes: [], agentTimeMs: 0 };
    for (const dependency of ticket.dependencies) {
      const chain = best[dependency];
      if (chain !== undefined && chain.agentTimeMs > before.agentTimeMs) before = chain;
    }
    best.push({ indexes: [...before.indexes, index], agentTimeMs: before.agentTimeMs + ticket.agentTimeMs });
  }
  let longest: { indexes: number[]; agentTimeMs: number } = { indexes: [], agentTimeMs: 0 };
  for (const chain of best) if (chain.agentTimeMs > longest.agentTimeMs) longest = chain;
  return longest;
}

function shuffle<Item>(items: readonly Item[], random: () => number): Item[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}
