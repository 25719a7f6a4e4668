import type { AgentDefinition } from './parse-agent-definition.js';

/** Options of {@link AgentRegistry}. */
export interface AgentRegistryOptions {
  /** Receives one line per notable event (a definition replaced by a later one). */
  readonly onWarning?: (message: string) => void;
}

/** Agent definitions by name, with listings by category. Lookups are one map read. */
export class AgentRegistry {
  private readonly definitions = new Map<string, AgentDefinition>();
  private readonly onWarning: (message: string) => void;
  private sorted: AgentDefinition[] | undefined;

  constructor(options: AgentRegistryOptions = {}) {
    this.onWarning = options.onWarning ?? (() => {});
  }

  /** Adds a definition; a later one with the same name replaces the earlier, with a warning. */
  register(definition: AgentDefinition): void {
    const previous = this.definitions.get(definition.name);
    if (previous !== undefined) {
      this.onWarning(`agent "${definition.name}" from ${definition.source} replaces the one from ${previous.source}`);
    }
    this.definitions.set(definition.name, definition);
    this.sorted = undefined;
  }

  /** The definition named `name`, if any. */
  get(name: string): AgentDefinition | undefined {
    return this.definitions.get(name);
  }

  /** Whether an agent named `name` is registered. */
  has(name: string): boolean {
    return this.definitions.has(name);
  }

  /** Definitions sorted by name, optionally only those of one category. */
  list(options: { readonly category?: string } = {}): AgentDefinition[] {
    this.sorted ??= [...this.definitions.values()].sort((left, right) => compareNames(left.name, right.name));
    const { category } = options;
    if (category === undefined) return [...this.sorted];
    const wanted = category.trim().toLowerCase();
    return this.sorted.filter((definition) => definition.category === wanted);
  }

  /** The categories in use, sorted. */
  categories(): string[] {
    return [...new Set(Array.from(this.definitions.values(), (definition) => definition.category))].sort(compareNames);
  }

  /** Number of agents registered. */
  get size(): number {
    return this.definitions.size;
  }
}

function compareNames(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
