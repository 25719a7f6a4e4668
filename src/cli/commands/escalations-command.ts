import { EnsembleError } from '../../core/index.js';
import type { EscalationRecord } from '../../store/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, parseIntegerFlag, type CliContext } from '../cli-context.js';
import type { Palette } from '../format.js';
import { fitToWidth, sanitizeTerminalLine } from '../terminal/index.js';
import { formatElapsed } from '../board/index.js';
import { outputColumns } from './fit-table.js';
import { withStore } from './runs-command.js';

interface AnswerFlags {
  readonly option?: string;
}

/** `escalations [--all]` and `escalations answer <id> <guidance…>`: what agents asked a person, and the answers. */
export function registerEscalationsCommands(program: Command, action: ActionFactory): void {
  const escalations = program
    .command('escalations')
    .description('questions agents escalated to a person, most urgent first (open ones unless --all)')
    .option('--all', 'also answered, expired and cancelled ones')
    .action(action((context, flags: { all?: boolean }) => listEscalations(context, flags.all === true)));
  escalations
    .command('answer')
    .description('answer an open escalation: the task is queued again with your guidance')
    .argument('<id>', 'the escalation: E-…')
    .argument('[guidance...]', 'what the agent should do (the words are joined)')
    .option('--option <n>', 'take the escalation\'s proposed option n as the guidance')
    .action(action((context, id: string, words: string[], flags: AnswerFlags) => answerEscalation(context, id, words, flags)));
}

async function listEscalations(context: CliContext, includeClosed: boolean): Promise<number> {
  const now = Date.now();
  const escalations = withStore(context, (store) => store.codebase.listEscalations(includeClosed ? { now: Date.now() } : { status: 'open', now: Date.now() }));
  if (context.options.json) {
    context.printJson({ escalations });
    return EXIT_OK;
  }
  if (escalations.length === 0) {
    context.print(includeClosed ? 'no escalations' : 'no open escalations');
    return EXIT_OK;
  }
  const columns = outputColumns(context);
  const fit = (line: string): string => (columns === undefined ? line : fitToWidth(line, columns - 1));
  escalations.forEach((escalation, index) => {
    if (index > 0) context.print('');
    for (const line of describeEscalation(escalation, now, context.palette)) context.print(fit(line));
  });
  if (escalations.some((escalation) => escalation.status === 'open')) {
    context.print(fit(context.palette.dim('\nanswer: ensemble escalations answer <id> <guidance…>   (or --option <n> to take a proposed option)')));
  }
  return EXIT_OK;
}

/** An escalation as a few lines: id and facts, the reason, the numbered options, the answer. */
export function describeEscalation(escalation: EscalationRecord, now: number, palette: Palette): string[] {
  const facts = [
    `priority ${escalation.priority}`,
    `${formatElapsed(Math.max(0, now - escalation.openedAt))} ago`,
    ...(escalation.ticketId === undefined ? [] : [escalation.ticketId]),
    `${escalation.agentName}${escalation.member === undefined || escalation.member === escalation.agentName ? '' : ` (${escalation.member})`}`,
    escalation.triggerType,
    ...(escalation.deadlineAt === undefined ? [] : [describeDeadline(escalation, now)]),
    ...(escalation.status === 'open' ? [] : [escalation.status]),
  ];
  const lines = [`${palette.bold(escalation.id)}  ${facts.map((fact) => sanitizeTerminalLine(fact)).join(' · ')}`, `  ${palette.yellow(sanitizeTerminalLine(escalation.reason))}`];
  escalation.options.forEach((option, index) => lines.push(`  ${index + 1}. ${sanitizeTerminalLine(option)}`));
  if (escalation.answer !== undefined) {
    lines.push(`  ${palette.green('answer')}${escalation.answeredBy === undefined ? '' : ` (${sanitizeTerminalLine(escalation.answeredBy)})`}: ${sanitizeTerminalLine(escalation.answer)}`);
  }
  return lines;
}

function describeDeadline(escalation: EscalationRecord, now: number): string {
  const deadlineAt = escalation.deadlineAt!;
  const then = escalation.defaultAction === undefined ? 'then fails' : 'then takes its default';
  return deadlineAt > now ? `deadline in ${formatElapsed(deadlineAt - now)}, ${then}` : 'deadline passed';
}

async function answerEscalation(context: CliContext, id: string, words: readonly string[], flags: AnswerFlags): Promise<number> {
  const typed = words.join(' ').trim();
  if (flags.option !== undefined && typed !== '') {
    throw new EnsembleError('INVALID_INPUT', 'escalations answer: give either guidance words or --option <n>, not both', { details: { escalationId: id } });
  }
  const answeredBy = context.env['USER'] ?? context.env['USERNAME'];
  const { answered, runStatus } = withStore(context, (store) => {
    const escalation = store.codebase.getEscalation(id);
    if (escalation === undefined) {
      const open = store.codebase.listEscalations({ status: 'open' }).map((candidate) => candidate.id);
      throw new EnsembleError('NOT_FOUND', `unknown escalation "${id}"; open: ${open.length === 0 ? 'none' : open.slice(0, 5).join(', ')}`, { details: { escalationId: id } });
    }
    if (escalation.status !== 'open') {
      throw new EnsembleError('ESCALATION_CLOSED', `escalation "${id}" is ${escalation.status}, not open; it can no longer be answered`, {
        details: { escalationId: id, status: escalation.status },
      });
    }
    const guidance = flags.option === undefined ? typed : pickOption(escalation, flags.option);
    if (guidance === '') throw new EnsembleError('INVALID_INPUT', `escalations answer: say what ${escalation.agentName} should do (guidance words, or --option <n>)`, { details: { escalationId: id } });
    const record = store.codebase.answerEscalation(id, guidance, answeredBy === undefined || answeredBy === '' ? undefined : answeredBy, Date.now());
    return { answered: record, runStatus: store.runStatus(record.runId) };
  });
  if (context.options.json) {
    context.printJson({ escalation: answered, runStatus: runStatus ?? null });
    return EXIT_OK;
  }
  context.print(`answered ${answered.id}; run ${answered.runId} picks it up`);
  if (runStatus !== 'running') context.print(`run ${answered.runId} is ${runStatus ?? 'gone'}: \`ensemble resume ${answered.runId}\` delivers it`);
  return EXIT_OK;
}

function pickOption(escalation: EscalationRecord, value: string): string {
  if (escalation.options.length === 0) {
    throw new EnsembleError('INVALID_INPUT', `--option: escalation "${escalation.id}" proposed no options; give guidance words`, { details: { flag: '--option', value } });
  }
  const index = parseIntegerFlag('--option', value, 1, escalation.options.length);
  return escalation.options[index - 1]!;
}
