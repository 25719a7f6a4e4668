import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../../scripts/ensure-promtool.sh', import.meta.url));

/** A copy of the script in a fresh repo folder, run with only `tools` (and bash's own needs) on PATH. */
function runInFreshRepo(tools: Readonly<Record<string, string>>, setup: (repo: string) => void = () => {}): { status: number | null; stdout: string; stderr: string; repo: string } {
  const root = mkdtempSync(join(tmpdir(), 'ensemble-promtool-'));
  const repo = join(root, 'repo');
  const bin = join(root, 'bin');
  mkdirSync(join(repo, 'scripts'), { recursive: true });
  mkdirSync(bin);
  copyFileSync(SCRIPT, join(repo, 'scripts', 'ensure-promtool.sh'));
  // What the script needs besides the tools under test; apt-get and dpkg-deb are left out unless given.
  for (const command of ['dirname', 'mktemp', 'chmod', 'rm', 'mkdir', 'cp', 'mv']) {
    const found = spawnSync('bash', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim();
    if (found !== '') symlinkSync(found, join(bin, command));
  }
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  setup(repo);
  const result = spawnSync('/bin/bash', [join(repo, 'scripts', 'ensure-promtool.sh')], { encoding: 'utf8', env: { PATH: bin, TMPDIR: root }, timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, repo };
}

describe('scripts/ensure-promtool.sh', () => {
  it('prints the promtool on PATH first', () => {
    const result = runInFreshRepo({ promtool: 'echo fake' });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/\/bin\/promtool$/);
  });

  it('prints the cached copy under .cache/tools when none is on PATH, without calling apt-get', () => {
    const result = runInFreshRepo({ 'apt-get': 'echo "apt-get must not run" >&2; exit 9' }, (repo) => {
      mkdirSync(join(repo, '.cache', 'tools'), { recursive: true });
      writeFileSync(join(repo, '.cache', 'tools', 'promtool'), '#!/bin/bash\necho cached\n');
      chmodSync(join(repo, '.cache', 'tools', 'promtool'), 0o755);
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(join(result.repo, '.cache', 'tools', 'promtool'));
  });

  it('fails with a message saying what to do when apt-get is missing', () => {
    const result = runInFreshRepo({});
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('ensure-promtool: promtool is not on PATH and apt-get is missing');
  });

  it('fails, naming the cache path, when the package cannot be downloaded even after apt-get update', () => {
    const result = runInFreshRepo({ 'apt-get': 'echo "E: network down" >&2; exit 100', 'dpkg-deb': 'exit 1' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('running apt-get update and trying again');
    expect(result.stderr).toMatch(/apt-get update failed .*copy it to .*\.cache\/tools\/promtool/);
  });
});
