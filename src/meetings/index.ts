/** Conversations with agents: `chat` with one agent and its persistent memory. */

/** Sends one message to an agent, recalling its memory, and remembers the exchange. */
export { chat } from './chat.js';
/** Options of `chat` and the reply it resolves with. */
export type { ChatOptions, ChatReply } from './chat.js';
/** The recalled part of an agent's memory, and how it is chosen (whole recent exchanges within a token budget). */
export { selectChatMemory } from './select-chat-memory.js';
export type { ChatMemorySelection } from './select-chat-memory.js';
/** The prompt of one chat turn: the recalled conversation, then the new message. */
export { composeChatPrompt } from './compose-chat-prompt.js';
/** The UNKNOWN_AGENT error for a name neither defined nor remembered, with a "did you mean" hint. */
export { unknownAgentError } from './unknown-agent-error.js';
