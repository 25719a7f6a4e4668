import type { MemoryRole } from '../store/index.js';
import type { ChatMemorySelection } from './select-chat-memory.js';

const SPEAKERS: Readonly<Record<MemoryRole, string>> = { user: 'Person', agent: 'You', note: 'Note' };

/**
 * The prompt of one chat turn: the recalled conversation (oldest first, with a line saying how
 * much was left out), then the new message.
 */
export function composeChatPrompt(memory: ChatMemorySelection, message: string): string {
  const parts: string[] = [];
  const isFirst = memory.entries.length === 0 && memory.omittedCount === 0;
  if (isFirst) {
    parts.push('A person starts a conversation with you.');
  } else {
    parts.push('You are continuing a conversation with a person; here is what you remember of it.');
    if (memory.omittedCount > 0) parts.push(`(${memory.omittedCount} earlier message${memory.omittedCount === 1 ? ' is' : 's are'} not shown.)`);
    parts.push('## Conversation so far (oldest first)');
    for (const entry of memory.entries) parts.push(`**${SPEAKERS[entry.role]}:** ${entry.content.trim()}`);
  }
  parts.push('## New message', message.trim());
  if (!isFirst) parts.push('Reply to the new message, taking the conversation so far into account.');
  return parts.join('\n\n');
}
