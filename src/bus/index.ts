/**
 * Agent communication: the message buses (in memory, and on Redis across processes),
 * the `<AGENT_MESSAGE>` tags agents write in their output, and the shared context store's history.
 * The bus contract suite (`message-bus.contract.ts`) is for tests and is not exported here.
 */
export { MemoryMessageBus } from './memory-message-bus.js';
/** Options of {@link MemoryMessageBus}: the logger a failing subscriber is reported to. */
export type { MemoryMessageBusOptions } from './memory-message-bus.js';
/** The `MessageBus` across processes: one Redis pub/sub channel per run (`<prefix>:bus:<runId>`), payloads validated on receipt. */
export { RedisMessageBus } from './redis-message-bus.js';
/** Options of {@link RedisMessageBus} (`connect` per connection role, `prefix`, `logger`), and the roles it opens connections for. */
export type { RedisMessageBusOptions, MessageBusConnectionRole } from './redis-message-bus.js';
/** The zod schema of a run message read off the bus. */
export { runMessageSchema } from './schema.js';
/** Finds `<AGENT_MESSAGE to="…" type="…" in-reply-to="…">…</AGENT_MESSAGE>` in an agent's output: the messages, the output without them, the problems. */
export { parseAgentMessages } from './parse-agent-messages.js';
/** What {@link parseAgentMessages} found. */
export type { ParsedAgentMessages } from './parse-agent-messages.js';
/** Every version of every shared context key, folded from a run's `context:update` events. */
export { toSharedContextHistory } from './shared-context-history.js';
/** key → versions (value, version, agentName, taskId, at), oldest first. */
export type { SharedContextHistory } from './shared-context-history.js';
