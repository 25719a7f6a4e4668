/** Terminal output of the CLI: display width, fitting rows to the window, sanitising untrusted text, outputs that survive a closed pipe. */
export { displayWidth, fitToWidth, padToWidth, countScreenRows, graphemeWidth } from './display-width.js';
export { sanitizeTerminalText, sanitizeTerminalLine } from '../../core/index.js';
export { guardOutput } from './guard-output.js';
export type { OutputStream, TerminalOutput } from './guard-output.js';
/** The pause between two frames of a live view (`monitor`, `tickets watch`), cut short by its signal. */
export { sleepUnlessAborted } from './sleep-unless-aborted.js';
