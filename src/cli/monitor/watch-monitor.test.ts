import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { MonitorAgent, MonitorSnapshot } from '../../resources/index.js';
import { createPalette } from '../format.js';
import { displayWidth, type TerminalOutput } from '../terminal/index.js';
import { VirtualTerminal } from '../../../test/helpers/virtual-terminal.js';
import { watchMonitor, type KeyInput } from './watch-monitor.js';

/** A terminal of `columns` × 30 that records into a virtual screen and can be resized. */
class RecordingTerminal implements TerminalOutput {
  readonly screen: VirtualTerminal;
  readonly writes: string[] = [];
  readonly isTTY = true;
  readonly rows = 30;
  private readonly resizes = new EventEmitter();

  constructor(public columns: number) {
    this.screen = new VirtualTerminal(columns, 30);
  }

  write(text: string): void {
    this.writes.push(text);
    this.screen.write(text);
  }

  get isClosed(): boolean {
    return false;
  }

  onResize(listener: () => void): () => void {
    this.resizes.on('resize', listener);
    return () => void this.resizes.off('resize', listener);
  }

  resize(columns: number): void {
    this.columns = columns;
    this.screen.columns = columns;
    this.resizes.emit('resize');
  }
}

/** A keyboard like a TTY stdin: records raw-mode changes and whether it flows. */
class FakeKeyboard extends EventEmitter implements KeyInput {
  readonly isTTY = true;
  isRaw = false;
  readonly rawModes: boolean[] = [];
  isFlowing = false;

  setRawMode(mode: boolean): this {
    this.rawModes.push(mode);
    this.isRaw = mode;
    return this;
  }

  resume(): this {
    this.isFlowing = true;
    return this;
  }

  pause(): this {
    this.isFlowing = false;
    return this;
  }

  press(text: string): void {
    this.emit('data', Buffer.from(text));
  }
}

const agent: MonitorAgent = {
  runId: 'run-mijk2x9a-3f9c1e',
  workflowName: 'w',
  taskId: 'scan-dependencies-for-known-vulnerabilities',
  agentName: 'payments-backend-security-coder',
  attempt: 1,
  pid: 4242,
  processCount: 1,
  cpuPercent: 88.8,
  cpuSeconds: 3,
  rssBytes: 50 * 1024 * 1024,
  startedAt: 0,
  elapsedMs: 1000,
  currentTool: null,
  tokens: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
};

/** Snapshots whose host CPU counts the collects, so frames can be told apart. */
function countingCollect(): { collect: () => MonitorSnapshot; readonly count: () => number } {
  let collects = 0;
  return {
    collect: () => {
      collects++;
      return {
        takenAt: collects,
        host: { name: 'box', cpuPercent: collects, loadAverage: 0.5, cpuCount: 2, memoryAvailableMb: 1000, memoryTotalMb: 2000 },
        runs: [],
        agents: [agent, { ...agent, taskId: 'lint', pid: 4343 }],
      };
    },
    count: () => collects,
  };
}

const until = async (condition: () => boolean, what: string): Promise<void> => {
  for (let waits = 0; waits < 1000; waits++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
};

function start(terminal: RecordingTerminal, keys: KeyInput | undefined, signal = new AbortController().signal) {
  const reads = countingCollect();
  const done = watchMonitor({
    collect: reads.collect,
    output: terminal,
    ...(keys === undefined ? {} : { keys }),
    palette: createPalette(false),
    unicode: true,
    intervalMs: 10,
    firstFrameDelayMs: 5,
    signal,
  });
  return { reads, done };
}

describe('watchMonitor', () => {
  it('redraws in place until q, leaving one frame on screen and the keyboard as it was', async () => {
    const terminal = new RecordingTerminal(60);
    const keys = new FakeKeyboard();
    const { reads, done } = start(terminal, keys);
    await until(() => reads.count() >= 5, 'five readings');
    expect(keys.isRaw).toBe(true);
    keys.press('q');
    await done;
    expect(keys.rawModes).toEqual([true, false]);
    expect(keys.isFlowing).toBe(false);
    expect(keys.listenerCount('data')).toBe(0);
    expect(terminal.screen.scrollback).toEqual([]);
    const screen = terminal.screen.lines();
    // The host line, once: every earlier frame was erased in place.
    expect(screen.filter((line) => line.startsWith('CPU '))).toHaveLength(1);
    expect(screen.filter((line) => line.includes('4242') || line.includes('4343'))).toHaveLength(2);
    for (const line of screen) expect(displayWidth(line)).toBeLessThanOrEqual(59);
  });

  it('quits on Ctrl-C read as a key, and on the signal without a keyboard', async () => {
    const keys = new FakeKeyboard();
    const first = start(new RecordingTerminal(60), keys);
    await until(() => first.reads.count() >= 2, 'a frame');
    keys.press('\u0003');
    await first.done;
    expect(keys.rawModes).toEqual([true, false]);

    const controller = new AbortController();
    const second = start(new RecordingTerminal(60), undefined, controller.signal);
    await until(() => second.reads.count() >= 2, 'a frame');
    controller.abort();
    await second.done;
  });

  it('redraws at once on a resize, fitted to the new width, with nothing left over from the wider frame', async () => {
    const terminal = new RecordingTerminal(120);
    const keys = new FakeKeyboard();
    const { reads, done } = start(terminal, keys);
    await until(() => reads.count() >= 3, 'frames at 120 columns');
    terminal.resize(40);
    await until(() => reads.count() >= 6, 'frames at 40 columns');
    keys.press('Q');
    await done;
    const screen = terminal.screen.lines();
    for (const line of screen) expect(displayWidth(line), line).toBeLessThanOrEqual(39);
    expect(screen.filter((line) => line.startsWith('CPU '))).toHaveLength(1);
  });

  it('puts the keyboard back when a reading fails', async () => {
    const keys = new FakeKeyboard();
    let collects = 0;
    const failing = watchMonitor({
      collect: () => {
        if (++collects > 2) throw new Error('journal unreadable');
        return countingCollect().collect();
      },
      output: new RecordingTerminal(60),
      keys,
      palette: createPalette(false),
      unicode: true,
      intervalMs: 5,
      firstFrameDelayMs: 1,
      signal: new AbortController().signal,
    });
    await expect(failing).rejects.toThrow('journal unreadable');
    expect(keys.rawModes).toEqual([true, false]);
    expect(keys.listenerCount('data')).toBe(0);
  });
});
