/** The host sampler: CPU utilisation, load and available memory, from /proc on Linux and `node:os` elsewhere. */
export { createHostSampler, parseProcStatCpuLine, parseMeminfo } from './host-sampler.js';
export type { HostSampler } from './host-sampler.js';
