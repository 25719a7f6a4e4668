import { resolve } from 'node:path';
import {
  continueMeeting,
  isMeetingRun,
  listMeetings,
  listMeetingTypes,
  MEETING_CATEGORIES,
  readMeeting,
  renderMinutes,
  type MeetingCategory,
  type MeetingResult,
  type MeetingTranscript,
} from '../../meetings/index.js';
import type { AgentOrchestrator, SettingOverride } from '../../orchestrator/index.js';
import { EnsembleError } from '../../core/index.js';
import { openRunStore } from '../../store/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, parseIntegerFlag, type CliContext } from '../cli-context.js';
import { formatTimestamp, renderTable, truncate } from '../format.js';
import { sanitizeTerminalLine, sanitizeTerminalText } from '../terminal/index.js';
import { addRunShapingOptions, type RunShapingFlags } from './run-shaping-flags.js';
import { createResumeOrchestrator } from './resume-orchestrator.js';
import { statusColour, withStore } from './runs-command.js';
import { watchRun } from './watch-run.js';
import { watchConversation } from './watch-conversation.js';

export function registerMeetingsCommands(program: Command, action: ActionFactory): void {
  const meetings = program
    .command('meetings')
    .description('journaled meetings, newest first (hold one with `ensemble meeting`)')
    .option('-n, --limit <n>', 'how many meetings to list', '20')
    .action(action((context, flags: { limit: string }) => listMeetingRuns(context, flags.limit)));
  meetings
    .command('list')
    .description('list journaled meetings, newest first')
    .option('-n, --limit <n>', 'how many meetings to list', '20')
    .action(action((context, flags: { limit: string }) => listMeetingRuns(context, flags.limit)));
  meetings
    .command('show')
    .description("show a meeting's transcript by topic and round, then each topic's summary, decisions and action items")
    .argument('<runId>')
    .action(action((context, runId: string) => showMeeting(context, runId)));
  meetings
    .command('types')
    .description('list the meeting types: purpose, default participants, rounds and facilitator')
    .option('--category <category>', `only this category (${MEETING_CATEGORIES.join(', ')})`)
    .action(action((context, flags: { category?: string }) => listTypes(context, flags.category)));
  const resumeCommand = meetings
    .command('resume')
    .description('continue a meeting cut short: statements already made are kept, the meeting goes on from the first unfinished round (as `ensemble resume` does)')
    .argument('<runId>');
  addRunShapingOptions(resumeCommand).action(action((context, runId: string, flags: RunShapingFlags) => resumeMeetingFromFlags(context, runId, flags)));
}


async function listMeetingRuns(context: CliContext, limitFlag: string): Promise<number> {
  const limit = parseIntegerFlag('--limit', limitFlag, 1, 10_000);
  const meetings = withStore(context, (store) => listMeetings(store, { limit }));
  if (context.options.json) {
    context.printJson({ meetings });
    return EXIT_OK;
  }
  if (meetings.length === 0) {
    context.print(`no meetings recorded in ${context.storePath} (hold one with \`ensemble meeting <type> --title … --topic …\`)`);
    return EXIT_OK;
  }
  const { palette } = context;
  const rows = [['RUN', 'STATUS', 'TYPE', 'TITLE', 'TOPICS', 'PARTICIPANTS', 'STARTED']];
  for (const meeting of meetings) {
    rows.push([
      meeting.runId,
      statusColour(meeting.status, palette),
      meeting.typeId,
      truncate(sanitizeTerminalLine(meeting.title), 40),
      String(meeting.topicCount),
      truncate(meeting.participants.join(', '), 48),
      formatTimestamp(meeting.createdAt),
    ]);
  }
  context.print(renderTable(rows, palette));
  return EXIT_OK;
}

async function showMeeting(context: CliContext, runId: string): Promise<number> {
  const meeting = withStore(context, (store) => readMeeting(store, runId));
  if (context.options.json) {
    context.printJson(meeting);
    return EXIT_OK;
  }
  const { palette } = context;
  const { transcript, plan } = meeting;
  context.print(palette.bold(`${runId} · ${transcript.typeName} · ${sanitizeTerminalLine(transcript.title)}`));
  context.print(`status        ${statusColour(meeting.status, palette)}`);
  context.print(`started       ${formatTimestamp(meeting.createdAt)}${meeting.finishedAt === undefined ? '' : ` · finished ${formatTimestamp(meeting.finishedAt)}`}`);
  context.print(`participants  ${transcript.participants.join(', ')} (${plan.speakingOrder}) · facilitator ${transcript.facilitator}`);
  for (const topic of transcript.topics) {
    context.print('');
    context.print(palette.bold(`═══ Topic ${topic.index + 1}: ${sanitizeTerminalLine(topic.topic)} ═══`));
    for (const round of topic.rounds) {
      if (round.statements.length === 0) continue;
      context.print('');
      context.print(palette.bold(`── Round ${round.index + 1}: ${round.name} ──`));
      for (const statement of round.statements) {
        // Agent output is untrusted: escape sequences in it must not drive the terminal (--json keeps it exact).
        context.print(`\n${palette.cyan(`${statement.speaker}:`)}\n${sanitizeTerminalText(statement.text.trim())}`);
      }
    }
  }
  printMinutes(context, transcript);
  if (transcript.missingTaskIds.length > 0) {
    context.print('');
    context.print(palette.yellow(`not made yet: ${transcript.missingTaskIds.join(', ')}`));
    if (meeting.status !== 'succeeded') context.print(palette.dim(`continue it: ensemble resume ${runId}`));
  }
  return EXIT_OK;
}

/** Each topic's summary, decisions and action items, as the facilitator wrote them. */
export function printMinutes(context: CliContext, transcript: MeetingTranscript): void {
  const { palette } = context;
  for (const topic of transcript.topics) {
    context.print('');
    context.print(palette.bold(`Minutes · topic ${topic.index + 1}: ${sanitizeTerminalLine(topic.topic)}`));
    if (topic.minutes === undefined) {
      context.print(palette.yellow('(no minutes: the meeting did not reach the end of this topic)'));
      continue;
    }
    if (topic.minutes.format === 'text') context.print(palette.dim(`(${topic.minutes.facilitator} did not use the minutes format: its whole reply is the summary)`));
    context.print(sanitizeTerminalText(renderMinutes(topic.minutes, '##')));
  }
}

async function listTypes(context: CliContext, category: string | undefined): Promise<number> {
  if (category !== undefined && !MEETING_CATEGORIES.includes(category as MeetingCategory)) {
    throw new EnsembleError('INVALID_INPUT', `--category: expected one of ${MEETING_CATEGORIES.join(', ')}, got "${category}"`);
  }
  const types = listMeetingTypes(category === undefined ? {} : { category: category as MeetingCategory });
  if (context.options.json) {
    context.printJson({ types });
    return EXIT_OK;
  }
  const { palette } = context;
  const rows = [['TYPE', 'CATEGORY', 'ROUNDS', 'SPEAKING', 'FACILITATOR', 'DEFAULT PARTICIPANTS']];
  for (const type of types) {
    rows.push([type.id, type.category, type.rounds.map((round) => round.name).join(' → '), type.speakingOrder, type.facilitator, type.defaultParticipants.join(', ')]);
  }
  context.print(renderTable(rows, palette));
  context.print(palette.dim(`\n${types.length} meeting types · ensemble meeting <type> --title <title> --topic <topic> [--topic …] [--agents a,b,c] · --json for purposes and prompts`));
  return EXIT_OK;
}

async function resumeMeetingFromFlags(context: CliContext, runId: string, flags: RunShapingFlags): Promise<number> {
  const { orchestrator, onOverrides } = createResumeOrchestrator(context, flags);
  return resumeMeetingRun(context, runId, orchestrator, onOverrides, 'document');
}

/**
 * Whether the journal's run `runId` is a meeting: `ensemble resume` hands those to
 * {@link resumeMeetingRun}, since a meeting's graph grows as it runs and only its driver adds the
 * rounds still to come. An unknown run is not one (the resume then reports it).
 */
export function isJournaledMeeting(context: CliContext, runId: string): boolean {
  const store = openRunStore(context.storePath);
  try {
    const run = store.getRun(runId);
    return run !== undefined && isMeetingRun(run);
  } finally {
    store.close();
  }
}

/**
 * Continues a meeting run with a configured orchestrator (flags as overrides of the run's
 * settings) under the run view, then prints the minutes. With --json, `jsonOutput` says what is
 * printed: the run's events as NDJSON (`events`, what `ensemble resume --json` prints for every
 * run), or the meeting's result document (`document`, as `ensemble meeting --json`).
 */
export async function resumeMeetingRun(
  context: CliContext,
  runId: string,
  orchestrator: AgentOrchestrator,
  onOverrides: (overrides: readonly SettingOverride[]) => void,
  jsonOutput: 'events' | 'document' = 'events',
): Promise<number> {
  const agentDirs = context.options.agentsDir.map((dir) => resolve(context.cwd, dir));
  const start = () => continueMeeting(runId, { orchestrator, store: context.storePath, onOverrides, ...(agentDirs.length === 0 ? {} : { agentDirs }) });
  if (context.options.json && jsonOutput === 'events') return watchRun(context, orchestrator, async () => (await start()).outcome);
  return watchMeeting(context, orchestrator, start);
}

/**
 * Runs a meeting under the run view (progress on a terminal or as lines; nothing with --json),
 * then prints its minutes, or with --json one document: run id, status, summary and transcript.
 */
export function watchMeeting(context: CliContext, orchestrator: AgentOrchestrator, start: () => Promise<MeetingResult>): Promise<number> {
  return watchConversation(context, orchestrator, start, (result) => {
    printMinutes(context, result.transcript);
    context.print(context.palette.dim(`\nfull transcript: ensemble meetings show ${result.runId}${result.status === 'succeeded' ? '' : ` · continue it: ensemble resume ${result.runId}`}`));
  });
}

