import { describe, expect, it } from 'vitest';
import { ZERO_USAGE } from '../../core/index.js';
import { RunEventFactory } from '../../../test/helpers/run-events.js';
import { createPalette } from '../format.js';
import type { TerminalOutput } from '../terminal/index.js';
import { LineProgressView } from './line-progress-view.js';

function recordingOutput(): TerminalOutput & { readonly text: () => string } {
  let written = '';
  return { write: (text) => void (written += text), isTTY: false, columns: undefined, rows: undefined, isClosed: false, onResize: () => () => {}, text: () => written };
}

describe('the line view of a cached task (issue 13)', () => {
  it('says which run the output came from and the tokens it saved; an uncached task says nothing of it', () => {
    const events = new RunEventFactory();
    const output = recordingOutput();
    const view = new LineProgressView(events.state, output, createPalette(false));
    events.start('demo', [{ id: 'review' }, { id: 'fresh' }]);
    view.onEvent(events.begin('review'));
    view.onEvent(
      events.apply('task:complete', {
        taskId: 'review',
        agentName: 'worker',
        duration: 3,
        tokensUsed: 0,
        usage: ZERO_USAGE,
        costUsd: 0,
        attempt: 1,
        output: 'reused',
        cached: true,
        cachedFrom: { runId: 'r-abc', taskId: 'review', completedAt: 500, tokensSaved: 1234 },
      }),
    );
    view.onEvent(events.begin('fresh'));
    view.onEvent(events.complete('fresh', { tokens: 42 }));
    const lines = output.text().split('\n');
    expect(lines.some((line) => /^✔ review\s+worker\s+succeeded\s+3ms \(cached from run r-abc, saved 1,234 tokens\)$/.test(line))).toBe(true);
    expect(lines.filter((line) => line.includes('cached from'))).toHaveLength(1);
  });
});
