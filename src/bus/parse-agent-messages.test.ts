import { describe, expect, it } from 'vitest';
import { parseAgentMessages } from './parse-agent-messages.js';

describe('parseAgentMessages', () => {
  it('leaves an output without messages exactly as it is', () => {
    const output = '\n\nResult:\n\n\n\n- done  \n';
    expect(parseAgentMessages(output)).toEqual({ messages: [], output, problems: [] });
  });

  it('reads a message, its recipient and default type, and takes the tag and its line out of the output', () => {
    const parsed = parseAgentMessages('Design done.\n<AGENT_MESSAGE to="frontend-developer">Use /api/v2 for todos.</AGENT_MESSAGE>\nSee the file.');
    expect(parsed.messages).toEqual([{ to: 'frontend-developer', messageType: 'data', content: 'Use /api/v2 for todos.' }]);
    expect(parsed.output).toBe('Design done.\nSee the file.');
    expect(parsed.problems).toEqual([]);
  });

  it('makes a message to "*" a broadcast unless it names its type, and reads type and in-reply-to', () => {
    const parsed = parseAgentMessages(
      [
        '<AGENT_MESSAGE to="*">Freeze the schema.</AGENT_MESSAGE>',
        '<AGENT_MESSAGE to="*" type="data">Numbers attached.</AGENT_MESSAGE>',
        '<AGENT_MESSAGE to="reviewer" type="request">Which file first?</AGENT_MESSAGE>',
        '<AGENT_MESSAGE to="architect" type="response" in-reply-to="run-1:design:1:m2">src/app.ts</AGENT_MESSAGE>',
      ].join('\n'),
    );
    expect(parsed.messages).toEqual([
      { to: '*', messageType: 'broadcast', content: 'Freeze the schema.' },
      { to: '*', messageType: 'data', content: 'Numbers attached.' },
      { to: 'reviewer', messageType: 'request', content: 'Which file first?' },
      { to: 'architect', messageType: 'response', content: 'src/app.ts', inReplyTo: 'run-1:design:1:m2' },
    ]);
    expect(parsed.output).toBe('');
  });

  it('accepts single quotes, any case of tag, attribute and type, and bodies over several lines', () => {
    const parsed = parseAgentMessages("<agent_message TO='tester' Type='REQUEST' In_Reply_To='x'>\n  Line one\n\n  Line two\n</Agent_Message >");
    expect(parsed.messages).toEqual([{ to: 'tester', messageType: 'request', content: 'Line one\n\n  Line two', inReplyTo: 'x' }]);
    expect(parsed.problems).toEqual([]);
  });

  it('reports a tag without to, with an unknown type or empty, removes it, and sends the good ones', () => {
    const parsed = parseAgentMessages(
      [
        'Before.',
        '<AGENT_MESSAGE>nobody</AGENT_MESSAGE>',
        '<AGENT_MESSAGE to="a" type="gossip">rumour</AGENT_MESSAGE>',
        '<AGENT_MESSAGE to="b">   </AGENT_MESSAGE>',
        '<AGENT_MESSAGE to="c">fine</AGENT_MESSAGE>',
        'After.',
      ].join('\n'),
    );
    expect(parsed.messages).toEqual([{ to: 'c', messageType: 'data', content: 'fine' }]);
    expect(parsed.problems).toEqual([
      'message 1: missing to="…" (an agent name, a task id, or "*" for every agent)',
      'message 2: type "gossip" is not one of data, request, response, broadcast',
      'message 3: the message to "b" is empty',
    ]);
    expect(parsed.output).toBe('Before.\nAfter.');
  });

  it('leaves an unclosed tag in the output and reports it, and still reads a closed one after it', () => {
    const parsed = parseAgentMessages('Start <AGENT_MESSAGE to="a">never closed\n<AGENT_MESSAGE to="b">closed</AGENT_MESSAGE>\nEnd');
    expect(parsed.messages).toEqual([{ to: 'b', messageType: 'data', content: 'closed' }]);
    expect(parsed.problems).toEqual(['message 1: <AGENT_MESSAGE> without a closing </AGENT_MESSAGE>; left in the output']);
    expect(parsed.output).toBe('Start <AGENT_MESSAGE to="a">never closed\nEnd');
    expect(parseAgentMessages('<AGENT_MESSAGE to="a">cut off').problems).toHaveLength(1);
  });

  it('treats tags in fenced code blocks as text', () => {
    const output = 'To message an agent, write:\n\n```\n<AGENT_MESSAGE to="name">text</AGENT_MESSAGE>\n```\n\n<AGENT_MESSAGE to="tester">real</AGENT_MESSAGE>';
    const parsed = parseAgentMessages(output);
    expect(parsed.messages).toEqual([{ to: 'tester', messageType: 'data', content: 'real' }]);
    expect(parsed.output).toBe('To message an agent, write:\n\n```\n<AGENT_MESSAGE to="name">text</AGENT_MESSAGE>\n```');
  });

  it('closes up the blank lines a removed tag leaves, keeping the final newline and the spacing of the rest', () => {
    expect(parseAgentMessages('Para one.\n\n<AGENT_MESSAGE to="a">x</AGENT_MESSAGE>\n\nPara two.\n').output).toBe('Para one.\n\nPara two.\n');
    expect(parseAgentMessages('\n<AGENT_MESSAGE to="a">x</AGENT_MESSAGE>\n\n# Report\n').output).toBe('# Report\n');
    expect(parseAgentMessages('# Report\n\n<AGENT_MESSAGE to="a">x</AGENT_MESSAGE>\n\n').output).toBe('# Report\n');
    expect(parseAgentMessages('Ask <AGENT_MESSAGE to="a">x</AGENT_MESSAGE> now.').output).toBe('Ask now.');
    expect(parseAgentMessages('Keep\n\n\n\nthis\n<AGENT_MESSAGE to="a">x</AGENT_MESSAGE>\nend').output).toBe('Keep\n\n\n\nthis\nend');
  });

  it('does not take longer names for the tag', () => {
    const output = '<AGENT_MESSAGES to="a">not a message</AGENT_MESSAGES>';
    expect(parseAgentMessages(output)).toEqual({ messages: [], output, problems: [] });
  });
});
