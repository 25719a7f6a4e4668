import type { ActivityEventType, ActivityPayload, DispatchContext, TokenUsage } from '../../src/core/index.js';

/** What a dispatch reported through its context, for assertions after the call. */
export interface RecordedDispatch {
  readonly outputs: string[];
  readonly usage: { usage: TokenUsage; costUsd: number }[];
  readonly events: { type: ActivityEventType; payload: ActivityPayload<ActivityEventType> }[];
}

/** A dispatch context that records what the attempt reports. */
export function recordingDispatchContext(
  signal: AbortSignal = new AbortController().signal,
  workspace: string = process.cwd(),
): DispatchContext & { readonly recorded: RecordedDispatch } {
  const recorded: RecordedDispatch = { outputs: [], usage: [], events: [] };
  return {
    signal,
    workspace,
    recorded,
    reportOutput: (delta) => recorded.outputs.push(delta),
    reportUsage: (usage, costUsd) => recorded.usage.push({ usage, costUsd }),
    reportEvent: (type, payload) => recorded.events.push({ type, payload }),
    suspendTimeout: () => () => undefined,
    sendMessage: () => ({ ok: false, reason: 'this test context delivers no messages' }),
    receivedMessages: () => [],
    readShared: () => undefined,
    reportWarning: () => undefined,
    updateShared: (key, value) => ({ key, value, version: 1, agentName: 'test', taskId: 'test', at: 0 }),
  };
}
