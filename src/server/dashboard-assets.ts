import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One built file of the dashboard, held in memory (a few hundred kB in all). */
export interface DashboardAsset {
  readonly body: Uint8Array;
  readonly contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The dashboard as `npm run build` left it in `dist/web/`, read once at start: only these files
 * are served (by name, so no request path reaches the file system). Empty when it was not built.
 */
export function loadDashboardAssets(directory = defaultDashboardDirectory()): ReadonlyMap<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  if (directory === undefined || !existsSync(directory)) return assets;
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType === undefined || !statSync(path).isFile()) continue;
    assets.set(name, { body: readFileSync(path), contentType });
  }
  return assets;
}

/** `dist/web/` of the package this module belongs to (run from `dist/src/server/` or, under vitest, from `src/server/`). */
function defaultDashboardDirectory(): string | undefined {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    if (existsSync(join(directory, 'package.json'))) return join(directory, 'dist', 'web');
    directory = dirname(directory);
  }
  return undefined;
}
