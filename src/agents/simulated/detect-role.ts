/** The voice a simulated answer is written in, from the agent's name, description and category. */
export type SimulatedRole = 'analyzer' | 'designer' | 'developer' | 'tester' | 'reviewer' | 'writer' | 'planner' | 'operator' | 'generic';

const ROLE_RULES: readonly (readonly [SimulatedRole, RegExp])[] = [
  ['writer', /\bdocs?\b|document|writer/],
  ['tester', /\btest|\bqa\b|quality assurance/],
  ['reviewer', /review|audit/],
  ['analyzer', /analy[sz]|requirement|investigat|research/],
  ['planner', /manager|planner|coordinat|scrum|product owner|facilitat/],
  ['operator', /devops|deploy|troubleshoot|incident|\bsre\b|reliability|operations/],
  ['designer', /design|architect/],
  ['developer', /develop|implement|coder|programmer|engineer|refactor|optimi[sz]er|fixer/],
];

const CATEGORY_ROLES: Readonly<Record<string, SimulatedRole>> = {
  development: 'developer',
  quality: 'reviewer',
  security: 'reviewer',
  testing: 'tester',
  performance: 'analyzer',
  devops: 'operator',
  documentation: 'writer',
  management: 'planner',
  architecture: 'designer',
};

/** Picks the voice: rules on the name first (most specific), then the description, then the category. */
export function detectSimulatedRole(agent: { readonly name: string; readonly description: string; readonly category: string }): SimulatedRole {
  const name = agent.name.toLowerCase().replace(/[-_]+/g, ' ');
  for (const text of [name, agent.description.toLowerCase()]) {
    for (const [role, pattern] of ROLE_RULES) if (pattern.test(text)) return role;
  }
  return CATEGORY_ROLES[agent.category] ?? 'generic';
}
