/** The `ensemble` command line. */
export { main } from './program.js';
export type { CliIo } from './cli-context.js';
