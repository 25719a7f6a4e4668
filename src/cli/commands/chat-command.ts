import { EnsembleError } from '../../core/index.js';
import { killLiveProcessGroups, loadAgentRegistry } from '../../agents/index.js';
import { chat, type ChatOptions } from '../../meetings/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, parseIntegerFlag, type CliContext } from '../cli-context.js';
import { formatCost, formatDuration, formatNumber } from '../format.js';
import { sanitizeTerminalText } from '../terminal/index.js';

interface ChatFlags {
  readonly provider?: string;
  readonly model?: string;
  readonly timeout?: string;
  readonly memoryExchanges?: string;
  readonly memoryTokens?: string;
}

export function registerChatCommand(program: Command, action: ActionFactory): void {
  program
    .command('chat')
    .description('send a message to an agent and print its reply; the agent remembers earlier exchanges (see `ensemble memory`)')
    .argument('<agent>', 'agent name (see `ensemble agents list`)')
    .argument('<message...>', 'the message (several words are joined with spaces)')
    .option('--provider <name>', 'model provider for llm agents')
    .option('--model <model>', 'model for llm agents: a tier (haiku, sonnet, opus, fast, balanced, best) or provider:model')
    .option('--timeout <ms>', 'timeout of the reply, in ms')
    .option('--memory-exchanges <n>', 'most earlier exchanges recalled into the prompt (0-1000, default 10)')
    .option('--memory-tokens <n>', 'token budget of the recalled memory (default 4000)')
    .action(action((context, agentName: string, words: string[], flags: ChatFlags) => chatWithAgent(context, agentName, words.join(' '), flags)));
}

async function chatWithAgent(context: CliContext, agentName: string, message: string, flags: ChatFlags): Promise<number> {
  const registry = loadAgentRegistry({
    agentDirs: context.options.agentsDir,
    cwd: context.cwd,
    onWarning: (warning) => void context.stderr.write(`ensemble: ${warning}\n`),
  });
  const options: ChatOptions = {
    store: context.storePath,
    registry,
    workspaceDir: context.cwd,
    agentDirs: [...context.options.agentsDir],
    ...(flags.provider === undefined ? {} : { provider: flags.provider }),
    ...(flags.model === undefined ? {} : { model: flags.model }),
    ...(flags.timeout === undefined ? {} : { timeoutMs: parseIntegerFlag('--timeout', flags.timeout, 1, 2_147_483_647) }),
    ...(flags.memoryExchanges === undefined ? {} : { memoryExchanges: parseIntegerFlag('--memory-exchanges', flags.memoryExchanges, 0, 1000) }),
    ...(flags.memoryTokens === undefined ? {} : { memoryTokenBudget: parseIntegerFlag('--memory-tokens', flags.memoryTokens, 0, 10_000_000) }),
  };
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // Exiting at once must not orphan the agent: its processes are killed first (synchronously).
      killLiveProcessGroups();
      process.exit(130);
    }
    context.stderr.write(`\nensemble: ${signal} received, cancelling the reply (again to exit now)\n`);
    controller.abort(new EnsembleError('RUN_CANCELLED', `chat with "${agentName}" cancelled by ${signal}; nothing was remembered`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result;
  try {
    result = await chat(agentName, message, { ...options, signal: controller.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (context.options.json) {
    const { prompt: _prompt, ...reply } = result;
    context.printJson(reply);
    return EXIT_OK;
  }
  const { errorPalette } = context;
  if (result.simulated) {
    context.stderr.write(
      `${errorPalette.yellow('note')}: no model provider is configured: ${agentName} answered on the simulated runtime (offline, deterministic), and the reply says so\n`,
    );
  }
  // The reply is the agent's text: escape sequences in it must not drive the terminal (--json keeps it exact).
  context.print(sanitizeTerminalText(result.reply).replace(/\n+$/, ''));
  const memory = result.memory;
  const recalled = memory.omitted === 0 ? `${memory.recalled} remembered` : `${memory.recalled} remembered, ${memory.omitted} left out`;
  context.stderr.write(
    `${errorPalette.dim(
      `${result.runId} · ${result.runtime}${result.model === undefined ? '' : ` ${result.model}`} · ${formatNumber(result.usage.totalTokens)} tokens · ` +
        `${formatCost(result.costUsd)} · ${formatDuration(result.durationMs)} · memory: ${recalled}, ${memory.total} stored`,
    )}\n`,
  );
  return EXIT_OK;
}
