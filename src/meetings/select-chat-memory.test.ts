import { describe, expect, it } from 'vitest';
import type { MemoryEntry, MemoryRole } from '../store/index.js';
import { composeChatPrompt } from './compose-chat-prompt.js';
import { selectChatMemory } from './select-chat-memory.js';

let seq = 0;
const entry = (role: MemoryRole, content: string, tokens = 10): MemoryEntry => ({ agentName: 'a', seq: ++seq, role, content, createdAt: seq, tokens });

const conversation = (): MemoryEntry[] => [
  entry('note', 'prefers TypeScript', 5),
  entry('user', 'q1'),
  entry('agent', 'a1'),
  entry('user', 'q2'),
  entry('agent', 'a2'),
  entry('note', 'agreed on Postgres', 5),
  entry('user', 'q3'),
  entry('agent', 'a3', 30),
];

describe('selectChatMemory', () => {
  it('keeps everything that fits, oldest first', () => {
    const selection = selectChatMemory(conversation(), { maxExchanges: 10, maxTokens: 1000 });
    expect(selection.entries.map((item) => item.content)).toEqual(['prefers TypeScript', 'q1', 'a1', 'q2', 'a2', 'agreed on Postgres', 'q3', 'a3']);
    expect(selection).toMatchObject({ omittedCount: 0, tokens: 90 });
  });

  it('keeps the most recent whole exchanges within the exchange limit', () => {
    const selection = selectChatMemory(conversation(), { maxExchanges: 2, maxTokens: 1000 });
    expect(selection.entries.map((item) => item.content)).toEqual(['q2', 'a2', 'agreed on Postgres', 'q3', 'a3']);
    expect(selection.omittedCount).toBe(3);
  });

  it('drops the oldest exchanges first to fit the token budget, never splitting one', () => {
    // q3+a3 = 40 tokens, q2+a2+note = 25: a budget of 60 fits only the last exchange.
    const selection = selectChatMemory(conversation(), { maxExchanges: 10, maxTokens: 60 });
    expect(selection.entries.map((item) => item.content)).toEqual(['q3', 'a3']);
    expect(selection).toMatchObject({ omittedCount: 6, tokens: 40 });
    expect(selectChatMemory(conversation(), { maxExchanges: 10, maxTokens: 39 }).entries).toEqual([]);
    expect(selectChatMemory(conversation(), { maxExchanges: 0, maxTokens: 1000 }).entries).toEqual([]);
  });
});

describe('composeChatPrompt', () => {
  it('puts the recalled conversation, and how much was left out, before the new message', () => {
    const selection = selectChatMemory(conversation(), { maxExchanges: 1, maxTokens: 1000 });
    const prompt = composeChatPrompt(selection, '  What next?\n');
    expect(prompt).toBe(
      [
        'You are continuing a conversation with a person; here is what you remember of it.',
        '(6 earlier messages are not shown.)',
        '## Conversation so far (oldest first)',
        '**Person:** q3',
        '**You:** a3',
        '## New message',
        'What next?',
        'Reply to the new message, taking the conversation so far into account.',
      ].join('\n\n'),
    );
  });

  it('opens a first conversation without a memory section', () => {
    expect(composeChatPrompt({ entries: [], omittedCount: 0, tokens: 0 }, 'Hello')).toBe('A person starts a conversation with you.\n\n## New message\n\nHello');
  });
});
