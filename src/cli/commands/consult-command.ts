import { resolve } from 'node:path';
import { loadEnsembleConfig } from '../../config/index.js';
import { prepareConsultation, type ConsultRequest, type ConsultResult } from '../../meetings/index.js';
import type { ActionFactory, Command } from '../action.js';
import { parseIntegerFlag, type CliContext } from '../cli-context.js';
import { sanitizeTerminalText } from '../terminal/index.js';
import { splitAgents } from './meeting-command.js';
import { watchConversation } from './watch-conversation.js';
import { addRunShapingOptions, parseRunShapingFlags, resolveRedisUrl, type RunShapingFlags } from './run-shaping-flags.js';

interface ConsultFlags extends RunShapingFlags {
  readonly agents: string;
  readonly synthesizer?: string;
  readonly turnTimeout?: string;
}

export function registerConsultCommand(program: Command, action: ActionFactory): void {
  const command = program
    .command('consult')
    .description('put one question to several agents at once (each answers on its own), then have one compare and synthesise the answers')
    .argument('<question...>', 'the question (several words are joined with spaces)')
    .requiredOption('--agents <a,b,c>', 'the agents that answer (see `ensemble agents list`)')
    .option('--synthesizer <agent>', 'the agent that compares the answers and writes the synthesis (default: tech-lead)')
    .option('--turn-timeout <ms>', 'timeout of each answer and of the synthesis, in ms');
  addRunShapingOptions(command, 'here').action(action((context, words: string[], flags: ConsultFlags) => consultAgents(context, words.join(' '), flags)));
}

async function consultAgents(context: CliContext, question: string, flags: ConsultFlags): Promise<number> {
  const shaping = parseRunShapingFlags(flags, context.cwd);
  const request: ConsultRequest = {
    question,
    agents: splitAgents('--agents', flags.agents),
    ...(flags.synthesizer === undefined ? {} : { synthesizer: flags.synthesizer }),
    ...(flags.turnTimeout === undefined ? {} : { timeoutMs: parseIntegerFlag('--turn-timeout', flags.turnTimeout, 1, 2_147_483_647) }),
    ...(shaping.provider === undefined ? {} : { provider: shaping.provider }),
    ...(shaping.model === undefined ? {} : { model: shaping.model }),
    ...(shaping.config.maxParallelAgents === undefined ? {} : { maxParallelAgents: shaping.config.maxParallelAgents }),
  };
  const workspaceDir = shaping.workspaceDir ?? resolve(context.cwd);
  // Read here, with the CLI's environment, so a bad config file fails before anything runs.
  const ensembleConfig = loadEnsembleConfig({ cwd: workspaceDir, env: context.env, ...(shaping.provider === undefined ? {} : { provider: shaping.provider }) });
  const redis = resolveRedisUrl(flags.redis, context.env, ensembleConfig);
  const consultation = prepareConsultation(request, {
    store: context.storePath,
    workspaceDir,
    agentDirs: context.options.agentsDir.map((dir) => resolve(context.cwd, dir)),
    config: {
      ...shaping.config,
      ...(shaping.runCap === undefined ? {} : { budget: { run: shaping.runCap } }),
      ensembleConfig,
      ...(redis === undefined ? {} : { redis }),
      onWarning: (message) => context.stderr.write(`ensemble: ${message}\n`),
    },
  });
  return watchConversation(context, consultation.orchestrator, () => consultation.run(), (result) => printConsultation(context, result));
}

/** The synthesis (or, without one, which answers are missing), after the run view showed the answers. */
function printConsultation(context: CliContext, result: ConsultResult): void {
  const { palette } = context;
  context.print('');
  if (result.synthesis === undefined) {
    const missing = result.answers.filter((answer) => answer.answer === undefined);
    context.print(palette.yellow(`no synthesis: ${missing.length === 0 ? 'the synthesis failed' : `no answer from ${missing.map((answer) => answer.agentName).join(', ')}`}`));
  } else {
    context.print(palette.bold(`Synthesis by ${result.synthesis.agentName}`));
    // Agent output is untrusted: escape sequences in it must not drive the terminal (--json keeps it exact).
    context.print(sanitizeTerminalText(result.synthesis.text.trim()));
  }
  context.print(palette.dim(`\n${result.runId} · each answer in full: ensemble runs show ${result.runId} --output`));
}
