/** The section's heading: `npm run bench:resources` replaces the section it starts, nothing else. */
export const RESOURCES_HEADING = '## Resource-aware execution: host pressure and the result cache';
