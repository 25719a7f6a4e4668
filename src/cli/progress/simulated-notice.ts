/** Said once per run, on every view, when an llm agent ran on the offline simulated runtime. */
export const SIMULATED_NOTICE =
  'no model provider is configured: llm agents run on the simulated runtime (offline, deterministic), and every output says so';
