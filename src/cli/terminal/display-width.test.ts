import { describe, expect, it } from 'vitest';
import { countScreenRows, displayWidth, fitToWidth, padToWidth } from './display-width.js';

describe('displayWidth', () => {
  it('counts columns as a terminal prints them: wide CJK and emoji take two, combining marks none, colours nothing', () => {
    expect(displayWidth('backend-security-coder')).toBe(22);
    expect(displayWidth('中文')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('✅ ok')).toBe(5);
    expect(displayWidth('👨‍👩‍👧')).toBe(2);
    expect(displayWidth('🇫🇷')).toBe(2);
    expect(displayWidth('✔ ▶ ↳ …')).toBe(7);
    expect(displayWidth('\u001b[32mgreen\u001b[39m')).toBe(5);
  });
});

describe('fitToWidth', () => {
  it('leaves a line that fits alone', () => {
    expect(fitToWidth('abc', 3)).toBe('abc');
  });

  it('cuts to the width in columns, ending with "…", never splitting a wide character', () => {
    expect(fitToWidth('abcdef', 4)).toBe('abc…');
    expect(fitToWidth('中文字符', 5)).toBe('中文…');
    expect(displayWidth(fitToWidth('中文字符', 6))).toBeLessThanOrEqual(6);
    expect(fitToWidth('👨‍👩‍👧👨‍👩‍👧', 3)).toBe('👨‍👩‍👧…');
  });

  it('keeps colour codes (they take no columns) and resets the colour after a cut', () => {
    const fitted = fitToWidth('\u001b[32mgreen text\u001b[39m', 6);
    expect(fitted).toBe('\u001b[32mgreen…\u001b[0m');
    expect(displayWidth(fitted)).toBe(6);
  });
});

describe('padToWidth and countScreenRows', () => {
  it('pads by display width', () => {
    expect(padToWidth('中', 4)).toBe('中  ');
    expect(padToWidth('long', 2)).toBe('long');
  });

  it('counts the rows a wrapped line takes', () => {
    expect(countScreenRows('', 80)).toBe(1);
    expect(countScreenRows('x'.repeat(80), 80)).toBe(1);
    expect(countScreenRows('x'.repeat(81), 80)).toBe(2);
    expect(countScreenRows('中'.repeat(41), 80)).toBe(2);
  });
});
