import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AgentRegistryLoadResult {
  /** Definitions written to the user folder (the built-in catalogue loads too). */
  readonly definitionCount: number;
  /** Agents in the loaded registry: the folder's plus the built-ins. */
  readonly agentCount: number;
  /** The first load in a fresh process (cold JIT, modules just imported), in ms. */
  readonly coldMs: number;
  /** Median of the following loads, in ms. */
  readonly medianMs: number;
  readonly samplesMs: readonly number[];
}

const caseScript = fileURLToPath(new URL('./agent-registry-load-case.js', import.meta.url));

const CATEGORIES = ['01-core-development', '02-language-specialists', '03-infrastructure', '04-quality-security', '05-data-ai', '06-developer-experience'];
const MODELS = ['sonnet', 'opus', 'haiku', 'inherit'];
const TOOLS = ['Read, Write, Edit, Bash, Glob, Grep', 'Read, Grep, Glob', '[Read, Edit, Bash, WebFetch]', 'Read, Write, MultiEdit, Bash, Docker, kubernetes'];

/** One definition as Claude Code subagent collections write them: extra keys, a long Markdown body. */
function claudeCodeDefinition(index: number): string {
  const name = `specialist-${String(index).padStart(3, '0')}`;
  const tools = TOOLS[index % TOOLS.length]!;
  const body = Array.from({ length: 60 }, (_, line) =>
    line % 12 === 0 ? `\n## Section ${line / 12 + 1}\n` : `- Step ${line}: review the ${name} checklist item ${line} and record evidence for it before moving on.`,
  ).join('\n');
  return [
    '---',
    `name: ${name}`,
    `description: Expert ${name} for ${CATEGORIES[index % CATEGORIES.length]} work. Use PROACTIVELY when the task touches its area; masters the conventions, pitfalls and review criteria of the field.`,
    `tools: ${tools}`,
    `model: ${MODELS[index % MODELS.length]}`,
    `color: ${['blue', 'green', 'purple', 'orange'][index % 4]}`,
    '---',
    `You are ${name}, a senior specialist.`,
    body,
    '',
  ].join('\n');
}

/** Writes `count` definitions under category sub-folders (as published collections are laid out), plus READMEs. */
export function writeClaudeCodeDefinitions(folder: string, count: number): void {
  for (const category of CATEGORIES) {
    mkdirSync(join(folder, category), { recursive: true });
    writeFileSync(join(folder, category, 'README.md'), `# ${category}\n\nAgents of this category.\n`);
  }
  for (let index = 0; index < count; index++) {
    writeFileSync(join(folder, CATEGORIES[index % CATEGORIES.length]!, `specialist-${String(index).padStart(3, '0')}.md`), claudeCodeDefinition(index));
  }
}

/** Loads a folder of `count` Claude-Code-style definitions (with the catalogue) in a fresh process, `repetitions` times after a cold first load. */
export function benchAgentRegistryLoad(count = 200, repetitions = 10): AgentRegistryLoadResult {
  const root = mkdtempSync(join(tmpdir(), 'ensemble-bench-agents-'));
  try {
    const agentsDir = join(root, 'collection');
    writeClaudeCodeDefinitions(agentsDir, count);
    const output = execFileSync(process.execPath, [caseScript, agentsDir, join(root, 'project'), String(repetitions)], { encoding: 'utf8', timeout: 120_000 });
    const measured = JSON.parse(output.trim()) as { agentCount: number; coldMs: number; samplesMs: number[] };
    const sorted = [...measured.samplesMs].sort((left, right) => left - right);
    return { definitionCount: count, agentCount: measured.agentCount, coldMs: measured.coldMs, medianMs: sorted[Math.floor(sorted.length / 2)]!, samplesMs: measured.samplesMs };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
