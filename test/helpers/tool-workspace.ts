import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolContext } from '../../src/tools/workspace-tool.js';

/** A workspace, a folder beside it, and links out of the workspace: what the file tools must refuse to follow. */
export interface EscapeFixture {
  /** The temp folder holding both (a real path). */
  readonly root: string;
  readonly workspace: string;
  /** Holds `secret.txt`; `workspace/link-file` points at it and `workspace/link-dir` at the folder. */
  readonly outside: string;
}

export function createEscapeFixture(prefix: string): EscapeFixture {
  const root = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const workspace = join(root, 'workspace');
  const outside = join(root, 'outside');
  mkdirSync(workspace);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'the secret\n');
  symlinkSync(join(outside, 'secret.txt'), join(workspace, 'link-file'));
  symlinkSync(outside, join(workspace, 'link-dir'));
  return { root, workspace, outside };
}

/** The context a tool call in `workspace` gets, with a signal nobody aborts. */
export function toolContext(workspace: string): ToolContext {
  return { workspaceDir: workspace, signal: new AbortController().signal };
}
