#!/usr/bin/env node
// Architecture lint: each src/<domain> folder is entered only through its index.ts, and so is
// each sub-folder of a domain (src/agents/llm/, …) from the rest of its domain; no `export *` in
// an index; the import graph between domains has no cycles.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const srcDir = join(root, 'src');
const problems = [];

function walk(dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...walk(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) files.push(path);
  }
  return files;
}

const domainOf = (file) => relative(srcDir, file).split(sep)[0];
/** `agents/llm` for src/agents/llm/x.ts; undefined for a file at a domain's top level. */
const subFolderOf = (file) => {
  const parts = relative(srcDir, file).split(sep);
  return parts.length >= 3 ? parts.slice(0, 2).join('/') : undefined;
};
const importPattern = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/g;
const domainEdges = new Map();

for (const file of walk(srcDir)) {
  const text = readFileSync(file, 'utf8');
  const fromDomain = domainOf(file);
  if (file.endsWith(`${sep}index.ts`) && /export\s+\*\s+from/.test(text)) {
    problems.push(`${relative(root, file)}: no \`export *\` in an index; name each export`);
  }
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[1];
    if (!specifier.startsWith('.')) continue;
    const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
    if (!target.startsWith(srcDir + sep)) continue;
    const toDomain = domainOf(target);
    if (toDomain === fromDomain) {
      // Inside a domain, a sub-folder is entered through its own index.ts (its top-level files are open to it).
      const toSub = subFolderOf(target);
      if (toSub !== undefined && toSub !== subFolderOf(file) && relative(join(srcDir, toSub), target) !== 'index.ts') {
        problems.push(`${relative(root, file)}: imports ${specifier}; the rest of src/${fromDomain} imports only src/${toSub}/index.ts`);
      }
      continue;
    }
    if (toDomain.endsWith('.ts')) continue;
    const targetRel = relative(join(srcDir, toDomain), target);
    if (targetRel !== 'index.ts') {
      problems.push(`${relative(root, file)}: imports ${specifier}; other folders import only src/${toDomain}/index.ts`);
    }
    if (!domainEdges.has(fromDomain)) domainEdges.set(fromDomain, new Set());
    domainEdges.get(fromDomain).add(toDomain);
  }
}

// Cycle detection between domains.
const state = new Map();
function visit(domain, path) {
  if (state.get(domain) === 'done') return;
  if (state.get(domain) === 'active') {
    problems.push(`import cycle between folders: ${[...path.slice(path.indexOf(domain)), domain].join(' -> ')}`);
    return;
  }
  state.set(domain, 'active');
  for (const next of domainEdges.get(domain) ?? []) visit(next, [...path, domain]);
  state.set(domain, 'done');
}
for (const domain of domainEdges.keys()) visit(domain, []);
if ((domainEdges.get('core') ?? new Set()).size > 0) {
  problems.push(`src/core imports other folders (${[...domainEdges.get('core')].join(', ')}); core depends on nothing`);
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('architecture: ok');
