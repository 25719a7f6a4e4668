import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EnsembleError, type TaskSpec } from '../../core/index.js';
import { loadEnsembleConfig } from '../../config/index.js';
import { meetingContext, prepareMeeting, withMeetingContext, type MeetingRequest } from '../../meetings/index.js';
import { openRunStore } from '../../store/index.js';
import { collect, type ActionFactory, type Command } from '../action.js';
import { parseIntegerFlag, type CliContext } from '../cli-context.js';
import { watchMeeting } from './meetings-command.js';
import { addRunShapingOptions, parseRunShapingFlags, resolveRedisUrl, type RunShapingFlags } from './run-shaping-flags.js';

interface MeetingFlags extends RunShapingFlags {
  readonly title?: string;
  readonly topic: string[];
  readonly agents?: string;
  readonly facilitator?: string;
  readonly backgroundFile?: string;
  readonly withMeeting: string[];
  readonly turnTimeout?: string;
}

export function registerMeetingCommand(program: Command, action: ActionFactory): void {
  const command = program
    .command('meeting')
    .description(
      'hold a meeting: for each topic the participants speak in rounds, each seeing the transcript so far, and the facilitator ' +
        'writes the summary, decisions and action items (types: `ensemble meetings types`)',
    )
    .argument('<type>', 'meeting type, e.g. architecture-review, standup, retrospective, incident-postmortem')
    .requiredOption('--title <title>', 'title of the meeting')
    .option('--topic <topic>', 'a topic, discussed through every round of the type (repeatable, in order)', collect, [])
    .option('--agents <a,b,c>', "participants in speaking order (default: the type's)")
    .option('--facilitator <agent>', "who writes the minutes (default: the type's)")
    .option('--background-file <file>', 'a file every participant is given as background (a design, an incident timeline)')
    .option('--with-meeting <runId>', "give the participants an earlier meeting's minutes as background (repeatable)", collect, [])
    .option('--turn-timeout <ms>', 'timeout of each statement and of the minutes, in ms');
  addRunShapingOptions(command, 'here').action(action((context, type: string, flags: MeetingFlags) => holdMeeting(context, type, flags)));
}

async function holdMeeting(context: CliContext, type: string, flags: MeetingFlags): Promise<number> {
  const shaping = parseRunShapingFlags(flags, context.cwd);
  if (flags.topic.length === 0) throw new EnsembleError('INVALID_INPUT', '--topic: give at least one topic (repeat --topic for more)');
  const background = [
    ...flags.withMeeting.map((runId) => readMeetingContext(context, runId)),
    ...(flags.backgroundFile === undefined ? [] : [readBackgroundFile(context, flags.backgroundFile)]),
  ];
  const request: MeetingRequest = {
    type,
    title: flags.title ?? '',
    topics: flags.topic,
    ...(flags.agents === undefined ? {} : { agents: splitAgents('--agents', flags.agents) }),
    ...(flags.facilitator === undefined ? {} : { facilitator: flags.facilitator }),
    ...(background.length === 0 ? {} : { context: background.join('\n\n') }),
    ...(flags.turnTimeout === undefined ? {} : { timeoutMs: parseIntegerFlag('--turn-timeout', flags.turnTimeout, 1, 2_147_483_647) }),
    ...(shaping.provider === undefined ? {} : { provider: shaping.provider }),
    ...(shaping.model === undefined ? {} : { model: shaping.model }),
    ...(shaping.config.maxParallelAgents === undefined ? {} : { maxParallelAgents: shaping.config.maxParallelAgents }),
  };
  const workspaceDir = shaping.workspaceDir ?? resolve(context.cwd);
  // Read here, with the CLI's environment, so a bad config file fails before anything runs.
  const ensembleConfig = loadEnsembleConfig({ cwd: workspaceDir, env: context.env, ...(shaping.provider === undefined ? {} : { provider: shaping.provider }) });
  const redis = resolveRedisUrl(flags.redis, context.env, ensembleConfig);
  const agentDirs = context.options.agentsDir.map((dir) => resolve(context.cwd, dir));
  const meeting = prepareMeeting(request, {
    store: context.storePath,
    workspaceDir,
    agentDirs,
    config: {
      ...shaping.config,
      ...(shaping.runCap === undefined ? {} : { budget: { run: shaping.runCap } }),
      // Read here, with the CLI's environment, so a bad config file fails before anything runs.
      ensembleConfig,
      ...(redis === undefined ? {} : { redis }),
      onWarning: (message) => context.stderr.write(`ensemble: ${message}\n`),
    },
  });
  return watchMeeting(context, meeting.orchestrator, () => meeting.run());
}

/**
 * A workflow's tasks with the minutes of the given meetings before every prompt (`ensemble run
 * --with-meeting <runId>`), so the work starts from what the meetings decided. No run ids, no change.
 * @throws EnsembleError `UNKNOWN_RUN`, or `INVALID_INPUT` for a run that is not a meeting.
 */
export function withMeetingMinutes<Task extends Pick<TaskSpec, 'prompt' | 'description'>>(context: CliContext, tasks: readonly Task[], runIds: readonly string[]): Task[] {
  if (runIds.length === 0) return [...tasks];
  return withMeetingContext(tasks, runIds.map((runId) => readMeetingContext(context, runId)).join('\n\n'));
}

/** `a, b,c` → `['a', 'b', 'c']`; an empty entry is a typo, named. */
export function splitAgents(flag: string, value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new EnsembleError('INVALID_INPUT', `${flag}: expected agent names separated by commas, got "${value}"`);
  return names;
}

function readMeetingContext(context: CliContext, runId: string): string {
  const store = openRunStore(context.storePath);
  try {
    return meetingContext(store, runId);
  } finally {
    store.close();
  }
}

function readBackgroundFile(context: CliContext, file: string): string {
  const path = resolve(context.cwd, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new EnsembleError('INVALID_INPUT', `--background-file "${file}": cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      details: { path },
      cause: error,
    });
  }
}
