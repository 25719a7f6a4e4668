/** A JSON parse that never throws: the value, or the parser's message. */
export type JsonParse = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/**
 * Parses JSON as models write it: strict first, then once more without `//` and `/* *\/`
 * comments and trailing commas (JSONC habits), outside strings. The strict parser's message is
 * the one reported when both fail.
 */
export function parseLenientJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    try {
      return { ok: true, value: JSON.parse(stripJsonExtras(text)) as unknown };
    } catch {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** Removes comments and trailing commas outside strings. */
function stripJsonExtras(text: string): string {
  let result = '';
  let isInString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (isInString) {
      result += char;
      if (char === '\\') result += text[++index] ?? '';
      else if (char === '"') isInString = false;
      continue;
    }
    if (char === '"') {
      isInString = true;
      result += char;
    } else if (char === '/' && text[index + 1] === '/') {
      while (index < text.length && text[index] !== '\n') index++;
      result += '\n';
    } else if (char === '/' && text[index + 1] === '*') {
      const end = text.indexOf('*/', index + 2);
      index = end === -1 ? text.length : end + 1;
    } else if (char === ',' && /^\s*[}\]]/.test(text.slice(index + 1, index + 200))) {
      continue;
    } else {
      result += char;
    }
  }
  return result;
}
