import { describe, expect, it } from 'vitest';
import { sanitizeTerminalLine, sanitizeTerminalText } from './sanitize-terminal-text.js';

describe('sanitizeTerminalText (issue 6: agent output must not drive the terminal)', () => {
  it('strips OSC sequences (window title, clipboard, hyperlinks), terminated by BEL or ST, or not at all', () => {
    expect(sanitizeTerminalText('a\u001b]0;pwned title\u0007b')).toBe('ab');
    expect(sanitizeTerminalText('a\u001b]52;c;ZXZpbA==\u001b\\b')).toBe('ab');
    expect(sanitizeTerminalText('a\u001b]8;;https://x\u001b\\link\u001b]8;;\u001b\\b')).toBe('alinkb');
    expect(sanitizeTerminalText('a\u001b]0;never ends')).toBe('a');
  });

  it('strips CSI sequences: clear screen, cursor moves, colours, private modes', () => {
    expect(sanitizeTerminalText('\u001b[2J\u001b[H\u001b[3;1Hx\u001b[31my\u001b[0m\u001b[?1049h\u001b[1000F')).toBe('xy');
  });

  it('strips other escapes, 8-bit C1 forms and control characters, keeping newlines and tabs', () => {
    expect(sanitizeTerminalText('a\u001bcb\u001b7c\u001b(0d')).toBe('abcd');
    expect(sanitizeTerminalText('a\u009b2Jb\u009d0;title\u009cc\u0090dcs\u009cd')).toBe('abcd');
    expect(sanitizeTerminalText('bell\u0007 back\u0008space\u007f nul\u0000 tab\there\nnext')).toBe('bell backspace nul tab\there\nnext');
  });

  it('turns a carriage return into a line break so what it would overwrite stays visible', () => {
    expect(sanitizeTerminalText('50%\r100%\r\ndone')).toBe('50%\n100%\ndone');
  });

  it('leaves ordinary text (including wide characters and emoji) untouched', () => {
    const text = 'Résumé: 中文 ✅ — done.\n\tindented';
    expect(sanitizeTerminalText(text)).toBe(text);
  });

  it('flattens a line for a table cell or a row', () => {
    expect(sanitizeTerminalLine('one\ntwo\tthree\u001b[2K')).toBe('one two three');
  });
});
