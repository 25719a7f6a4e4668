import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EnsembleError, toEnsembleError } from '../../core/index.js';
import { AgentRegistry } from './agent-registry.js';
import { builtinAgentsDir } from './builtin-agents-dir.js';
import { hasFrontMatter } from './parse-front-matter.js';
import { parseAgentDefinition } from './parse-agent-definition.js';
import type { AgentDefinition } from './parse-agent-definition.js';

/** Options of {@link loadAgentRegistry}. */
export interface LoadAgentRegistryOptions {
  /** Folders given with `--agents-dir`, highest precedence first; relative to `cwd`. Each must exist. */
  readonly agentDirs?: readonly string[];
  /** Project folder whose `agents/` and `.claude/agents/` are read. @default process.cwd() */
  readonly cwd?: string;
  /** Home folder whose `.claude/agents/` is read. @default os.homedir() */
  readonly homeDir?: string;
  /** Whether the built-in catalogue is loaded (below every user folder). @default true */
  readonly includeBuiltins?: boolean;
  /** Receives skipped files, duplicates and overrides of built-ins, one line each. */
  readonly onWarning?: (message: string) => void;
  /** Folder of the built-in catalogue (tests, repackaging). @default builtinAgentsDir() */
  readonly builtinDir?: string;
}

type FolderKind = 'explicit' | 'project' | 'builtin';

interface AgentFolder {
  readonly path: string;
  readonly kind: FolderKind;
}

/**
 * Loads agent definitions (synchronously) from, highest precedence first: each `agentDirs` entry,
 * `<cwd>/agents`, `<cwd>/.claude/agents`, `<homeDir>/.claude/agents`, then the built-in catalogue.
 * Folders are read recursively for `*.md` files; files without front matter (READMEs) are not
 * agents. A malformed user file is skipped with a warning; a malformed built-in throws.
 */
export function loadAgentRegistry(options: LoadAgentRegistryOptions = {}): AgentRegistry {
  const warn = options.onWarning ?? (() => {});
  const winners = new Map<string, { definition: AgentDefinition; folder: AgentFolder }>();
  for (const folder of resolveAgentFolders(options)) {
    for (const file of listMarkdownFiles(folder, warn)) {
      const definition = readDefinition(file, folder, warn);
      if (definition === undefined) continue;
      const winner = winners.get(definition.name);
      if (winner === undefined) {
        winners.set(definition.name, { definition, folder });
      } else if (winner.folder === folder) {
        warn(`agent "${definition.name}" is defined twice in ${folder.path}: ${winner.definition.source} is used, ${file} is ignored`);
      } else if (folder.kind === 'builtin') {
        warn(`agent "${definition.name}" from ${winner.definition.source} overrides the built-in one`);
      }
      // Otherwise a higher-precedence user folder shadows a lower one, as intended.
    }
  }
  const registry = new AgentRegistry({ onWarning: warn });
  for (const { definition } of winners.values()) registry.register(definition);
  return registry;
}

function resolveAgentFolders(options: LoadAgentRegistryOptions): AgentFolder[] {
  const cwd = resolve(options.cwd ?? process.cwd());
  const homeDir = resolve(options.homeDir ?? homedir());
  const candidates: AgentFolder[] = [];
  for (const dir of options.agentDirs ?? []) {
    const path = resolve(cwd, dir);
    if (!isDirectory(path)) {
      throw new EnsembleError('INVALID_INPUT', `--agents-dir "${dir}": no such folder (${path})`, { details: { agentsDir: dir, path } });
    }
    candidates.push({ path, kind: 'explicit' });
  }
  for (const path of [join(cwd, 'agents'), join(cwd, '.claude', 'agents'), join(homeDir, '.claude', 'agents')]) {
    if (isDirectory(path)) candidates.push({ path, kind: 'project' });
  }
  const builtinDir = options.includeBuiltins === false ? undefined : resolve(options.builtinDir ?? builtinAgentsDir());
  const builtinRealPath = builtinDir === undefined ? undefined : realpathOfCatalogue(builtinDir);
  const seen = new Set<string>();
  const folders: AgentFolder[] = [];
  for (const candidate of candidates) {
    const realPath = realpathSync(candidate.path);
    // Inside ensemble's own checkout, ./agents is the catalogue: load it once, as built-ins.
    if (seen.has(realPath) || realPath === builtinRealPath) continue;
    seen.add(realPath);
    folders.push(candidate);
  }
  if (builtinDir !== undefined) folders.push({ path: builtinDir, kind: 'builtin' });
  return folders;
}

function realpathOfCatalogue(dir: string): string {
  try {
    return realpathSync(dir);
  } catch (error) {
    throw new EnsembleError('INTERNAL', `the built-in agent catalogue is missing: ${dir}`, { cause: error, details: { path: dir } });
  }
}

function readDefinition(file: string, folder: AgentFolder, warn: (message: string) => void): AgentDefinition | undefined {
  const isBuiltin = folder.kind === 'builtin';
  try {
    const text = readFileSync(file, 'utf8');
    if (!isBuiltin && !hasFrontMatter(text)) return undefined;
    const definition = parseAgentDefinition(text, file);
    return isBuiltin ? { ...definition, source: 'builtin' } : definition;
  } catch (error) {
    if (isBuiltin) throw toEnsembleError(error, 'INVALID_AGENT_DEFINITION');
    const message = toEnsembleError(error).message;
    warn(`skipped ${message.startsWith(file) ? message : `${file}: ${message}`}`);
    return undefined;
  }
}

/** `*.md` files under a folder, sorted, skipping dot-folders and node_modules; symlinked folders are followed once. */
function listMarkdownFiles(folder: AgentFolder, warn: (message: string) => void): string[] {
  const files: string[] = [];
  const visited = new Set<string>();
  const walk = (dir: string): void => {
    let realPath: string;
    let entries;
    try {
      realPath = realpathSync(dir);
      if (visited.has(realPath)) return;
      visited.add(realPath);
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      if (folder.kind === 'builtin') throw error;
      warn(`skipped folder ${dir}: ${toEnsembleError(error).message}`);
      return;
    }
    entries.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const isLink = entry.isSymbolicLink();
      if (entry.isDirectory() || (isLink && isDirectory(path))) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') walk(path);
      } else if (entry.name.toLowerCase().endsWith('.md') && (entry.isFile() || isLink)) {
        files.push(path);
      }
    }
  };
  walk(folder.path);
  return files;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
