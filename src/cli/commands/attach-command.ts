import { attachToMember } from '../../codebase/index.js';
import type { ActionFactory, Command } from '../action.js';
import type { CliContext } from '../cli-context.js';

/** `attach <member>`: opens a team member's tmux window (a ticket run started with `--tmux`). */
export function registerAttachCommand(program: Command, action: ActionFactory): void {
  program
    .command('attach')
    .description("open a team member's tmux window, where its agent works live (tickets run --tmux); detach with Ctrl-b d")
    .argument('<member>', 'the member (agent) whose window to open')
    .action(action((context, member: string) => attach(context, member)));
}

async function attach(context: CliContext, member: string): Promise<number> {
  // tmux's own exit code: 0 after a detach.
  const exitCode = await attachToMember({ member, env: context.env });
  return exitCode === 0 ? 0 : 1;
}
