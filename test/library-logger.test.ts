import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentOrchestrator, type Logger } from '../src/index.js';

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'ensemble-logger-'));
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(folder, { recursive: true, force: true });
});

/** An agent folder with a malformed definition: loading it warns that the file was skipped. */
function writeBrokenAgent(): string[] {
  const directory = join(folder, 'agents');
  mkdirSync(directory);
  writeFileSync(join(directory, 'broken.md'), '---\nname: broken\ndescription: broken\nruntime: teleport\n---\nNotes.\n');
  return [directory];
}

function recordingLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    warn: (message) => lines.push(`warn: ${message}`),
    error: (message, cause) => lines.push(`error: ${message}: ${cause instanceof Error ? cause.message : String(cause)}`),
  };
}

describe('the library logger', () => {
  it('reports failing listeners and warnings through the injected logger, writing nothing to stderr (issue 6)', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    const logger = recordingLogger();
    const orchestrator = new AgentOrchestrator({ store: false, logger, agentDirs: writeBrokenAgent(), workspaceDir: folder, simulatedLatencyMs: 0 });
    orchestrator.registerAgent({ name: 'quick', run: () => 'done' });
    orchestrator.addTasks([{ id: 'a', agentName: 'quick' }]);
    orchestrator.on('task:start', () => {
      throw new Error('listener bug');
    });
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    expect(logger.lines).toContain('error: a listener of task:start threw: listener bug');
    expect(logger.lines.some((line) => line.startsWith('warn: ') && line.includes('skipped') && line.includes('broken.md'))).toBe(true);
    expect(stderr).not.toHaveBeenCalled();
  });

  it('keeps onWarning as a shortcut for the warnings alone', async () => {
    const warnings: string[] = [];
    const logger = recordingLogger();
    const orchestrator = new AgentOrchestrator({ store: false, logger, onWarning: (message) => warnings.push(message), agentDirs: writeBrokenAgent(), workspaceDir: folder });
    orchestrator.registerAgent({ name: 'quick', run: () => 'done' });
    orchestrator.addTasks([{ id: 'a', agentName: 'quick' }]);
    await orchestrator.execute();
    expect(warnings.some((message) => message.includes('broken.md'))).toBe(true);
    expect(logger.lines.filter((line) => line.startsWith('warn: '))).toEqual([]);
  });
});
