#!/usr/bin/env node
// Builds the dashboard (web/) into dist/web/: index.html, app.js, app.css, minified, which
// `ensemble serve` serves at `/`. Run from `npm run build`; takes well under a second.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const webDir = join(root, 'web');
const outDir = join(root, 'dist', 'web');
const coreDir = join(root, 'src', 'core') + '/';

/**
 * src/core does no I/O and its module-level code only builds schemas and tables, so its files are
 * marked free of side effects: the bundle then keeps what the dashboard uses (the reducer, a few
 * constants) instead of every schema of core (and classic zod with them, ~440 KB).
 */
const pureCorePlugin = {
  name: 'pure-core',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData === 'pure-core') return undefined;
      const resolved = await builder.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'pure-core' });
      if (resolved.errors.length > 0 || !resolved.path.startsWith(coreDir)) return resolved;
      return { ...resolved, sideEffects: false };
    });
  },
};

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const script = await build({
  entryPoints: [join(webDir, 'src', 'main.ts')],
  outfile: join(outDir, 'app.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
  tsconfig: join(webDir, 'tsconfig.json'),
  // The licences of bundled packages go to third-party-licenses.txt instead (below).
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  plugins: [pureCorePlugin],
});

// Each package bundled into app.js (dagre, zod) ships its licence beside the bundle.
const bundledPackages = new Set();
for (const input of Object.keys(script.metafile.inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match !== null) bundledPackages.add(match[1]);
}
const notices = [...bundledPackages].sort().map((name) => {
  const packageDir = join(root, 'node_modules', name);
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const licenseFile = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license'].map((file) => join(packageDir, file)).find((file) => existsSync(file));
  if (licenseFile === undefined) throw new Error(`build-web: ${name} is bundled into app.js but has no LICENSE file to ship with it`);
  return `${name} ${version}\n\n${readFileSync(licenseFile, 'utf8').trim()}\n`;
});
writeFileSync(join(outDir, 'third-party-licenses.txt'), `Packages bundled into app.js, with their licences.\n\n${notices.join('\n----\n\n')}`);

await build({
  entryPoints: [join(webDir, 'styles.css')],
  outfile: join(outDir, 'app.css'),
  bundle: true,
  minify: true,
  target: ['chrome109', 'firefox115', 'safari16'],
  logLevel: 'warning',
});

// Comments and the indentation between tags go; the page is small, so no HTML minifier is needed.
const html = readFileSync(join(webDir, 'index.html'), 'utf8')
  .replace(/<!--[\s\S]*?-->/g, '')
  .replace(/>\s+</g, '><')
  .trim();
writeFileSync(join(outDir, 'index.html'), `${html}\n`);

// The dashboard must work offline and leak nothing: no asset from another host.
const problems = [];
const externalInHtml = /\s(?:src|href)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?\/\//gi;
if (externalInHtml.test(html)) problems.push('dist/web/index.html refers to another host (src/href with //)');
const css = readFileSync(join(outDir, 'app.css'), 'utf8');
if (/url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(css) || /@import/i.test(css)) problems.push('dist/web/app.css loads from another host (url(//…) or @import)');
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}

const sizes = ['index.html', 'app.js', 'app.css'].map((name) => `${name} ${(statSync(join(outDir, name)).size / 1024).toFixed(1)} KB`);
console.log(`dashboard built into dist/web: ${sizes.join(', ')}`);
