import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The built-in catalogue folder, `<package root>/agents`. The package root is the nearest folder
 * above this module holding the `package.json` of `ensemble`, so the same code works from
 * `src/agents/*.ts` (tests) and `dist/src/agents/*.js` (the installed package).
 */
export function builtinAgentsDir(): string {
  cached ??= join(findPackageRoot(dirname(fileURLToPath(import.meta.url))), 'agents');
  return cached;
}

function findPackageRoot(startDir: string): string {
  let dir = startDir;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === 'ensemble') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ensemble package root above ${startDir}`);
    dir = parent;
  }
}

function readPackageName(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}
