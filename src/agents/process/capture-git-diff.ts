import { spawn } from 'node:child_process';

/** Largest diff kept as evidence: 256 KiB. */
export const MAX_DIFF_BYTES = 256 * 1024;

/** Longest a git call may take before it is given up, in ms. */
const GIT_TIMEOUT_MS = 30_000;

/**
 * `git diff HEAD --no-color` of the work tree holding `workspaceDir`, capped at `maxBytes`;
 * undefined when the folder is not in a git work tree or git fails (evidence is best effort).
 */
export async function captureGitDiff(workspaceDir: string, signal: AbortSignal, maxBytes = MAX_DIFF_BYTES): Promise<string | undefined> {
  const inside = await runGit(['rev-parse', '--is-inside-work-tree'], workspaceDir, signal, 1024);
  if (inside?.stdout.trim() !== 'true') return undefined;
  const diff = await runGit(['diff', 'HEAD', '--no-color', '--no-ext-diff'], workspaceDir, signal, maxBytes);
  if (diff === undefined) return undefined;
  return diff.isTruncated ? `${diff.stdout}\n[diff truncated at ${maxBytes} bytes]\n` : diff.stdout;
}

function runGit(
  args: readonly string[],
  cwd: string,
  signal: AbortSignal,
  maxBytes: number,
): Promise<{ stdout: string; isTruncated: boolean } | undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(undefined);
      return;
    }
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' };
    // Inherited from a git hook these would point git at another repository than the workspace.
    delete env['GIT_DIR'];
    delete env['GIT_WORK_TREE'];
    delete env['GIT_INDEX_FILE'];
    const chunks: Buffer[] = [];
    let size = 0;
    let isTruncated = false;
    const child = spawn('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'ignore'], signal, timeout: GIT_TIMEOUT_MS });
    child.on('error', () => resolve(undefined));
    child.stdout.on('data', (chunk: Buffer) => {
      if (isTruncated) return;
      const room = maxBytes - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        size = maxBytes;
        isTruncated = true;
        child.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    child.on('close', (code) => {
      if (code !== 0 && !isTruncated) resolve(undefined);
      else resolve({ stdout: Buffer.concat(chunks).toString('utf8'), isTruncated });
    });
  });
}
