import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RunEventFactory } from '../../../test/helpers/run-events.js';
import { VirtualTerminal } from '../../../test/helpers/virtual-terminal.js';
import { createPalette } from '../format.js';
import type { TerminalOutput } from '../terminal/index.js';
import { LiveProgressView } from './live-progress-view.js';
import { renderFrame } from './render-frame.js';

function terminalOutput(terminal: VirtualTerminal): TerminalOutput {
  return {
    write: (text) => terminal.write(text),
    isTTY: true,
    get columns() {
      return terminal.columns;
    },
    rows: terminal.rows,
    isClosed: false,
    onResize: () => () => {},
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the live view on a terminal', () => {
  // Issue 6: at 80 columns with agent `backend-security-coder` rows wrapped, the redraw climbed too few lines and scrollback flooded.
  for (const columns of [40, 80]) {
    it(`redraws in place at ${columns} columns: the screen holds exactly the latest frame and nothing scrolls away`, () => {
      const terminal = new VirtualTerminal(columns, 24);
      const palette = createPalette(true);
      const events = new RunEventFactory();
      let now = 1000;
      const view = new LiveProgressView(events.state, terminalOutput(terminal), palette, () => now);
      view.start();
      const tasks = Array.from({ length: 8 }, (_, index) => ({ id: `audit-${index}-dependency-vulnerabilities`, agentName: 'backend-security-coder' }));
      events.start('Security audit', tasks);
      for (const [index, task] of tasks.entries()) {
        view.onEvent(events.begin(task.id, task.agentName, now));
        view.onEvent(
          events.apply('task:output', { taskId: task.id, agentName: task.agentName, attempt: 1, delta: `Scanning ${'lockfile '.repeat(20)}entry ${index} 中文 ✅` }, now),
        );
        now += 250;
        vi.advanceTimersByTime(100);
        if (index % 2 === 1) view.onEvent(events.complete(task.id, { agentName: task.agentName, tokens: 12_345, at: now }));
        vi.advanceTimersByTime(100);
      }
      view.stop();
      expect(terminal.scrollback).toEqual([]);
      const expected = renderFrame(events.state, now, createPalette(false), { columns, rows: 24 });
      expect(terminal.lines()).toEqual(expected.map((line) => line.trimEnd()));
    });
  }

  it('keeps the simulated-runtime notice above the frame', () => {
    const terminal = new VirtualTerminal(80, 24);
    const events = new RunEventFactory();
    const view = new LiveProgressView(events.state, terminalOutput(terminal), createPalette(false), () => 2000);
    view.start();
    events.start('demo', [{ id: 't0' }]);
    view.onEvent(events.begin('t0'));
    vi.advanceTimersByTime(100);
    view.onEvent(events.apply('agent:invoke', { taskId: 't0', agentName: 'worker', model: 'simulated', runtime: 'simulated', attempt: 1 }));
    vi.advanceTimersByTime(100);
    view.stop();
    const lines = terminal.lines();
    expect(lines[0]).toMatch(/^note: no model provider is configured/);
    // The notice is ordinary text (it wraps); the frame is drawn below it, whole.
    expect(lines.slice(-3)).toEqual(renderFrame(events.state, 2000, createPalette(false), { columns: 80, rows: 24 }));
  });

  it('prints agent messages and run warnings above the frame, where they stay (issue 8)', () => {
    const terminal = new VirtualTerminal(80, 24);
    const events = new RunEventFactory();
    const view = new LiveProgressView(events.state, terminalOutput(terminal), createPalette(false), () => 2000);
    view.start();
    events.start('demo', [{ id: 'design', agentName: 'architect' }]);
    view.onEvent(events.begin('design', 'architect'));
    vi.advanceTimersByTime(100);
    view.onEvent(events.apply('agent:message', { taskId: 'design', agentName: 'architect', from: 'architect', to: 'frontend', messageType: 'data', content: 'Use /api/v2.', attempt: 1 }));
    vi.advanceTimersByTime(100);
    view.onEvent(events.apply('run:warning', { code: 'MESSAGE_LIMIT', message: 'over the limit', taskId: 'design' }));
    vi.advanceTimersByTime(100);
    view.stop();
    const frame = renderFrame(events.state, 2000, createPalette(false), { columns: 80, rows: 24 });
    expect(terminal.scrollback).toEqual([]);
    expect(terminal.lines()).toEqual(['✉ architect → frontend: Use /api/v2.', '⚠ design: over the limit', ...frame.map((line) => line.trimEnd())]);
  });
});
