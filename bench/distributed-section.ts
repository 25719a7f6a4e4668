/** The section's heading: `npm run bench:distributed` replaces the section it starts, nothing else. */
export const DISTRIBUTED_HEADING = '## Distributed mode: BullMQ workers on a loopback Redis';
