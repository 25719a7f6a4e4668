export { createSimulatedRuntime } from './simulated-runtime.js';
export type { SimulatedRuntimeOptions } from './simulated-runtime.js';
export { SIMULATED_LABEL } from './compose-simulated-answer.js';
export { simulatedLatencyFromEnv } from './simulated-latency.js';
