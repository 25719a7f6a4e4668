/** One message of an event stream: its `id:`, `event:` and joined `data:` lines. */
export interface SseMessage {
  readonly id?: string;
  readonly event?: string;
  readonly data: string;
}

/**
 * Parses a `text/event-stream` body as the HTML spec does: lines end in CR, LF or CRLF; a blank
 * line dispatches; `:` lines are comments; several `data:` lines join with LF; one leading space
 * after the colon is dropped. Chunks may split anywhere, even inside a CRLF or a UTF-8 character.
 */
export async function* readSseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let id: string | undefined;
  let event: string | undefined;
  let skipLeadingLf = false;
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let index = 0; index < buffer.length; index++) {
      const char = buffer[index];
      if (char !== '\n' && char !== '\r') continue;
      if (char === '\n' && skipLeadingLf && index === start) {
        skipLeadingLf = false;
        start = index + 1;
        continue;
      }
      skipLeadingLf = char === '\r';
      const line = buffer.slice(start, index);
      start = index + 1;
      if (line === '') {
        if (data.length > 0) yield { ...(id === undefined ? {} : { id }), ...(event === undefined ? {} : { event }), data: data.join('\n') };
        data = [];
        event = undefined;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
      else if (field === 'event') event = value;
    }
    buffer = buffer.slice(start);
  }
}
