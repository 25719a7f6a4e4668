import { countTokensWith } from './count-tokens.js';
import type { TokenizerName } from './tokenizer-for.js';

/** A text as handed over and its tokens. */
export interface TextPiece {
  readonly text: string;
  readonly tokens: number;
}

/** A source's lines with each line's tokens, for summaries. */
export interface SourceLines {
  readonly lines: readonly string[];
  readonly lineTokens: Int32Array;
}

interface MemoEntry {
  readonly text: string;
  readonly tokens: number;
  lines?: SourceLines;
  /** Reduced forms by kind and budget (`summary:600`), newest last. */
  readonly pieces: Map<string, TextPiece | undefined>;
}

// Each source keeps its reduced forms for a few budgets only: most tasks ask for the same summary
// size, while trimmed dependencies get budgets that vary from task to task.
const PIECES_PER_SOURCE = 8;

/**
 * Token counts and reduced forms of a run's context sources under one tokenizer, by key. Sources
 * never change once written (a task's output is final when it succeeds; messages and shared
 * versions are immutable), so each is tokenised once however many tasks receive it. The text is
 * kept with the count, and a key whose text differs (another run on the same strategy) is
 * counted afresh.
 */
export class SourceMemo {
  readonly tokenizer: TokenizerName;
  private readonly entries = new Map<string, MemoEntry>();
  private tokenisedCharacters = 0;

  constructor(tokenizer: TokenizerName) {
    this.tokenizer = tokenizer;
  }

  /** Tokens of any text, not remembered (pieces being built). */
  count(text: string): number {
    this.tokenisedCharacters += text.length;
    return countTokensWith(text, this.tokenizer);
  }

  /** Characters tokenised so far, sources and pieces: what memoisation saves is visible here. */
  get countedCharacters(): number {
    return this.tokenisedCharacters;
  }

  /** Tokens of a source, counted once per key. */
  tokensOf(key: string, text: string): number {
    // An estimate costs less than remembering it, and so does an empty text.
    if (this.tokenizer === 'estimate' || text === '') return this.count(text);
    return this.entryOf(key, text).tokens;
  }

  /** A source's lines and their tokens, computed once per key. */
  linesOf(key: string, text: string): SourceLines {
    const entry = this.entryOf(key, text);
    if (entry.lines === undefined) {
      const lines = text.split('\n');
      const lineTokens = new Int32Array(lines.length);
      for (let index = 0; index < lines.length; index++) lineTokens[index] = this.count(lines[index]!);
      entry.lines = { lines, lineTokens };
    }
    return entry.lines;
  }

  /** A reduced form of a source, built once per (key, kind, budget); `build` may return undefined (no such form). */
  piece(key: string, text: string, pieceId: string, build: () => TextPiece | undefined): TextPiece | undefined {
    const { pieces } = this.entryOf(key, text);
    if (pieces.has(pieceId)) return pieces.get(pieceId);
    const piece = build();
    pieces.set(pieceId, piece);
    if (pieces.size > PIECES_PER_SOURCE) pieces.delete(pieces.keys().next().value as string);
    return piece;
  }

  private entryOf(key: string, text: string): MemoEntry {
    let entry = this.entries.get(key);
    if (entry === undefined || entry.text !== text) {
      entry = { text, tokens: this.count(text), pieces: new Map() };
      this.entries.set(key, entry);
    }
    return entry;
  }
}
