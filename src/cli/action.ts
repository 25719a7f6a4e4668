import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';

/** Wraps a command handler: builds its context from the global flags and records its exit code. */
export type ActionFactory = <Args extends unknown[]>(
  handler: (context: CliContext, ...args: Args) => Promise<number>,
) => (...args: unknown[]) => Promise<void>;

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export type { Command };
