import { EnsembleError } from '../../core/index.js';

// Words that mean something only to a shell; passed to a program as arguments they would silently do something else.
const SHELL_OPERATORS: ReadonlySet<string> = new Set(['&&', '||', '|', ';', '&', '>', '>>', '<', '2>', '2>&1', '|&']);

/**
 * Splits a command line into argv words, with no shell involved: blanks separate words, `'…'`
 * keeps its text as it is, `"…"` keeps blanks and takes `\"` and `\\` as escapes, and a backslash
 * outside quotes takes the next character literally. `$VAR`, globs and `~` are not expanded. An
 * unclosed quote, an empty line and an unquoted shell operator (`&&`, `|`, `>` …: several commands
 * belong in a script) are INVALID_INPUT naming `name`.
 */
export function parseCommandLine(line: string, name: string): string[] {
  const words: string[] = [];
  let word = '';
  let hasWord = false;
  let quote: "'" | '"' | undefined;
  let isQuotedWord = false;
  const finishWord = (): void => {
    if (!hasWord) return;
    if (!isQuotedWord && SHELL_OPERATORS.has(word)) {
      throw new EnsembleError(
        'INVALID_INPUT',
        `${name}: "${word}" is shell syntax, and the command runs without a shell; put several commands in a script (an npm script, a Makefile target) and name that`,
        { details: { parameter: name, command: line } },
      );
    }
    words.push(word);
    word = '';
    hasWord = false;
    isQuotedWord = false;
  };
  for (let index = 0; index < line.length; index++) {
    const char = line[index] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      const next = line[index + 1];
      if (char === '"') quote = undefined;
      else if (char === '\\' && (next === '"' || next === '\\')) {
        word += next;
        index++;
      } else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      hasWord = true;
      isQuotedWord = true;
    } else if (char === '\\' && index + 1 < line.length) {
      word += line[index + 1];
      hasWord = true;
      isQuotedWord = true;
      index++;
    } else if (/\s/.test(char)) {
      finishWord();
    } else {
      word += char;
      hasWord = true;
    }
  }
  if (quote !== undefined) {
    throw new EnsembleError('INVALID_INPUT', `${name}: unclosed ${quote} in ${JSON.stringify(line)}`, { details: { parameter: name, command: line } });
  }
  finishWord();
  if (words.length === 0) throw new EnsembleError('INVALID_INPUT', `${name}: names no program`, { details: { parameter: name, command: line } });
  return words;
}
