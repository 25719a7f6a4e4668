import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';

/**
 * The `.gitignore` files met on a walk, each applying to its own folder and below, as git reads
 * them (a deeper file's rules, negations included, win over a shallower one's). `.git/info/exclude`
 * and the user's global excludes are not read: they are not part of the project.
 */
export class GitignoreRules {
  /** Folder (workspace-relative, `''` for the workspace) → the rules of its `.gitignore`, shallowest first. */
  private readonly rulesByFolder = new Map<string, Ignore>();

  /** Reads `.gitignore` in the folder whose real path is `folderRealPath` and workspace-relative path is `folderDisplay`, if there is one. */
  async addFolder(folderRealPath: string, folderDisplay: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(join(folderRealPath, '.gitignore'), 'utf8');
    } catch {
      return; // No .gitignore (or an unreadable one): nothing is ignored here.
    }
    this.rulesByFolder.set(folderDisplay === '.' ? '' : folderDisplay, ignore({ allowRelativePaths: true }).add(text));
  }

  /** Whether the entry at workspace-relative `display` is ignored; `isDirectory` because `dist/` matches folders only. */
  isIgnored(display: string, isDirectory: boolean): boolean {
    let isIgnored = false;
    for (const [folder, rules] of this.rulesByFolder) {
      let relativePath: string;
      if (folder === '') relativePath = display;
      else if (display.startsWith(`${folder}/`)) relativePath = display.slice(folder.length + 1);
      else continue;
      const verdict = rules.test(isDirectory ? `${relativePath}/` : relativePath);
      if (verdict.ignored) isIgnored = true;
      else if (verdict.unignored) isIgnored = false;
    }
    return isIgnored;
  }
}
