/** `ensemble monitor`: the frame of agents, host and limits, and the loop that redraws it live. */

/** Renders a snapshot as lines of at most `columns - 1` display columns: host line, limits line, then the agent table (columns cut, then dropped, to fit). */
export { renderMonitorFrame, formatBytes } from './render-monitor-frame.js';
export type { MonitorFrameOptions } from './render-monitor-frame.js';
/** Redraws the frame in place every interval until `q`, Ctrl-C or the signal, restoring the keyboard's mode on the way out. */
export { watchMonitor } from './watch-monitor.js';
export type { WatchMonitorOptions, KeyInput } from './watch-monitor.js';
