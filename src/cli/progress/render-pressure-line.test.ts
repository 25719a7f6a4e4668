import { describe, expect, it } from 'vitest';
import { RunEventFactory } from '../../../test/helpers/run-events.js';
import { createPalette } from '../format.js';
import type { TerminalOutput } from '../terminal/index.js';
import { LineProgressView } from './line-progress-view.js';
import { LiveProgressView } from './live-progress-view.js';

const plain = createPalette(false);

function recordingOutput(isTTY: boolean): TerminalOutput & { readonly text: () => string } {
  let written = '';
  return {
    write: (text) => void (written += text),
    isTTY,
    columns: isTTY ? 60 : undefined,
    rows: isTTY ? 20 : undefined,
    isClosed: false,
    onResize: () => () => {},
    text: () => written,
  };
}

const measured = { loadAverage: 3.1, memoryTotalMb: 24_000 };

describe('host-pressure lines in the progress views', () => {
  it('prints each decision of the line view as one short line: what was measured and the limit before and after', () => {
    const events = new RunEventFactory();
    const output = recordingOutput(false);
    const view = new LineProgressView(events.state, output, plain);
    events.start('demo', [{ id: 't0' }]);
    view.onEvent(events.apply('resources:pressure', { ...measured, cpuPercent: 97.4, memoryAvailableMb: 20_000, limit: 9, previousLimit: 16, reason: 'cpu-above-target', running: 16, held: 7 }));
    view.onEvent(events.apply('resources:pressure', { ...measured, cpuPercent: 12, memoryAvailableMb: 20_000, limit: 11, previousLimit: 9, reason: 'below-band', running: 9, held: 0 }));
    view.onEvent(events.apply('resources:pressure', { ...measured, cpuPercent: 20, memoryAvailableMb: 820, limit: 3, previousLimit: 4, reason: 'memory-below-floor', running: 4, held: 1 }));
    view.onEvent(events.apply('resources:pressure', { ...measured, cpuPercent: 20, memoryAvailableMb: 2150, limit: 2, previousLimit: 8, reason: 'memory-ceiling', running: 0, held: 0 }));
    expect(output.text().split('\n').filter((line) => line !== '')).toEqual([
      '⇣ host CPU 97%: process agents 16 → 9, 7 waiting',
      '⇡ host CPU 12%: process agents 9 → 11',
      '⇣ host memory 820 MB available: process agents 4 → 3, 1 waiting',
      '⇣ host memory 2.1 GB available: process agents 8 → 2',
    ]);
  });

  it('prints them above the live frame too', () => {
    const events = new RunEventFactory();
    const output = recordingOutput(true);
    const view = new LiveProgressView(events.state, output, plain, () => 0);
    events.start('demo', [{ id: 't0' }]);
    view.onEvent(events.apply('resources:pressure', { ...measured, cpuPercent: 88, memoryAvailableMb: 20_000, limit: 1, previousLimit: 2, reason: 'cpu-above-target', running: 2, held: 3 }));
    view.stop();
    expect(output.text()).toContain('⇣ host CPU 88%: process agents 2 → 1, 3 waiting\n');
  });
});
