import { graphemeWidth } from '../../src/cli/terminal/index.js';

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * A small terminal emulator for view tests: a screen of `rows` × `columns` cells that wraps long
 * lines (xterm's pending-wrap rule: a line exactly as wide as the screen does not wrap until the
 * next character), scrolls into a scrollback, and understands what the live view writes: text,
 * newlines (as a tty with onlcr), CSI n F (cursor up n lines, to column 1), CSI J (erase below),
 * CSI m (colours, ignored). Any other escape sequence fails the test: the view must not write one.
 */
export class VirtualTerminal {
  readonly scrollback: string[] = [];
  private screen: string[][];
  private row = 0;
  private column = 0;

  constructor(
    public columns: number,
    readonly rows: number,
  ) {
    this.screen = Array.from({ length: rows }, () => []);
  }

  write(text: string): void {
    let rest = text;
    while (rest !== '') {
      // eslint-disable-next-line no-control-regex
      const escape = /^\u001b\[([0-9;?]*)([A-Za-z])/.exec(rest);
      if (escape !== null) {
        this.control(escape[1] ?? '', escape[2]!);
        rest = rest.slice(escape[0].length);
        continue;
      }
      if (rest.startsWith('\u001b')) throw new Error(`unexpected escape sequence ${JSON.stringify(rest.slice(0, 12))}`);
      const next = rest.indexOf('\u001b');
      const chunk = next === -1 ? rest : rest.slice(0, next);
      for (const { segment } of segmenter.segment(chunk)) this.put(segment);
      rest = rest.slice(chunk.length);
    }
  }

  /** The visible screen, one string per row, trailing blanks removed; trailing empty rows dropped. */
  lines(): string[] {
    const lines = this.screen.map((cells) => cells.join('').trimEnd());
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines;
  }

  private put(grapheme: string): void {
    if (grapheme === '\n' || grapheme === '\r\n') {
      this.newLine();
      return;
    }
    if (grapheme === '\r') {
      this.column = 0;
      return;
    }
    const width = graphemeWidth(grapheme);
    if (width === 0) return;
    if (this.column + width > this.columns) this.newLine();
    const cells = this.screen[this.row]!;
    while (cells.length < this.column) cells.push(' ');
    cells[this.column] = grapheme;
    // A wide character's second cell holds nothing.
    if (width === 2) cells[this.column + 1] = '';
    this.column += width;
  }

  private newLine(): void {
    this.column = 0;
    if (this.row === this.rows - 1) {
      this.scrollback.push(this.screen.shift()!.join('').trimEnd());
      this.screen.push([]);
    } else {
      this.row++;
    }
  }

  private control(parameters: string, final: string): void {
    const count = Number(parameters === '' ? '1' : parameters);
    switch (final) {
      case 'F':
        this.row = Math.max(0, this.row - count);
        this.column = 0;
        break;
      case 'J':
        this.screen[this.row] = this.screen[this.row]!.slice(0, this.column);
        for (let row = this.row + 1; row < this.rows; row++) this.screen[row] = [];
        break;
      case 'm':
        break;
      default:
        throw new Error(`unexpected control sequence CSI ${parameters}${final}`);
    }
  }
}
