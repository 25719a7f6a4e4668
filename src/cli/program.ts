import { Command, CommanderError } from 'commander';
import { collect, type ActionFactory } from './action.js';
import {
  registerAgentsCommands,
  registerAttachCommand,
  registerCacheCommands,
  registerChatCommand,
  registerCleanupCommand,
  registerConsultCommand,
  registerEscalationsCommands,
  registerLocksCommand,
  registerMeetingCommand,
  registerMeetingsCommands,
  registerMemoryCommands,
  registerMonitorCommand,
  registerResumeCommand,
  registerReviewCommands,
  registerRouteCommand,
  registerRunCommand,
  registerRunsCommands,
  registerServeCommand,
  registerStopAllCommand,
  registerWorkerCommand,
  registerTicketsCommands,
  registerTicketsRunCommand,
  registerWorkflowsCommands,
} from './commands/index.js';
import { createCliContext, EXIT_INVALID_INPUT, guardIo, reportError, type CliContext, type CliIo, type GlobalOptions } from './cli-context.js';

const VERSION = '0.1.0';

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function main(argv: readonly string[], rawIo: CliIo = defaultIo()): Promise<number> {
  // Every write goes through guarded outputs: a reader that goes away (`| head`) silences output instead of crashing the command.
  const io = guardIo(rawIo);
  let exitCode = 0;
  const program = new Command('ensemble');
  program
    .description('Run many AI agents together on software work.')
    .version(VERSION)
    .option('--agents-dir <dir>', 'folder of agent definitions, searched first (repeatable)', collect, [])
    .option('--db <path>', 'SQLite journal file (default $ENSEMBLE_HOME/ensemble.db, ENSEMBLE_HOME defaults to ./.ensemble)')
    .option('--json', 'machine-readable output (NDJSON events for run/resume)', false)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  const action: ActionFactory = (handler) => async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const globals = command.optsWithGlobals<{ agentsDir: string[]; db?: string; json: boolean }>();
    const options: GlobalOptions = { agentsDir: globals.agentsDir, json: globals.json === true, ...(globals.db === undefined ? {} : { db: globals.db }) };
    try {
      // Commander passes the positional arguments, then the options object, then the command.
      const run = handler as (context: CliContext, ...positional: unknown[]) => Promise<number>;
      exitCode = await run(createCliContext(io, options), ...args.slice(0, -1));
    } catch (error) {
      exitCode = reportError(io, error, options.json);
    }
  };

  registerRunCommand(program, action);
  registerRouteCommand(program, action);
  registerResumeCommand(program, action);
  registerRunsCommands(program, action);
  registerWorkflowsCommands(program, action);
  registerAgentsCommands(program, action);
  registerChatCommand(program, action);
  registerConsultCommand(program, action);
  registerServeCommand(program, action);
  // Scale-out (issue 11): workers of distributed runs, on any machine that reaches the run's Redis.
  registerWorkerCommand(program, action);
  registerMeetingCommand(program, action);
  registerMeetingsCommands(program, action);
  registerMemoryCommands(program, action);
  // The shared codebase (issue 10): the ticket queue, leases, review queue, escalations and tmux windows.
  registerTicketsCommands(program, action, (tickets) => registerTicketsRunCommand(tickets, action));
  registerLocksCommand(program, action);
  registerReviewCommands(program, action);
  registerEscalationsCommands(program, action);
  registerAttachCommand(program, action);
  // Resources (issue 13): the live view of every agent on this host, its CPU and memory, and the limits.
  registerMonitorCommand(program, action);
  // The result cache (issue 13): reusable outputs of read-only tasks.
  registerCacheCommands(program, action);
  // Host maintenance (issue 13): stop every run of the journal; remove what crashed runs left behind.
  registerStopAllCommand(program, action);
  registerCleanupCommand(program, action);

  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return EXIT_INVALID_INPUT;
    }
    return reportError(io, error, false);
  }
  return exitCode;
}

function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
