import type { ToolRefusal } from '../../core/index.js';

/** What Codex's stderr says besides its events. */
export interface CodexStderr {
  /** Tool calls refused by the sandbox or the approval policy. */
  readonly refusals: readonly ToolRefusal[];
  /** Tool calls Codex rejected or could not run (refusals included). */
  readonly failedToolCalls: number;
  /** Why Codex stopped before its first event (its `Error: …` text, or its last line). */
  readonly startupError?: string;
}

// `2026-11-28T13:38:55.574145Z ERROR codex_core::tools::router: error=…`: a log record, whose text may go on over the next lines.
const LOG_RECORD = /^\d{4}-\d{2}-\d{2}T\S+\s+(ERROR|WARN|INFO|DEBUG|TRACE)\s+([\w:]+): (.*)$/;
/** Lines that never continue a log record: Codex's own notices and errors, and JSON. */
const STANDALONE_LINE = /^(?:WARNING:|Error|error:|Reading |\{)/;
/** A router error about permissions rather than a malformed call ("patch rejected: writing is blocked by read-only sandbox", "approval policy is Never; reject command"). */
const PERMISSION_REJECTION = /rejected by user approval settings|approval policy is never|\breject command\b|blocked by .*sandbox/i;
const MAX_DETAIL_CHARS = 200;
const MAX_STARTUP_ERROR_LINES = 8;

/**
 * Reads Codex's stderr. A tool call Codex refuses leaves no event on stdout, only a router error
 * (`ERROR codex_core::tools::router: error=patch rejected: writing is blocked by read-only sandbox;
 * rejected by user approval settings`); a shell command the sandbox stopped leaves not even that,
 * only a `WARN codex_sandboxing::violation: recorded sandbox violation: … reason=read_only_file_system`
 * when `RUST_LOG` enables it (the preset sets `RUST_LOG=error,codex_sandboxing=warn`).
 */
export function readCodexStderr(stderr: string): CodexStderr {
  const refusals: ToolRefusal[] = [];
  let failedToolCalls = 0;
  const records: { level: string; target: string; text: string }[] = [];
  const plainLines: string[] = [];
  for (const line of stderr.split('\n')) {
    const record = LOG_RECORD.exec(line.trimEnd());
    if (record !== null) records.push({ level: record[1]!, target: record[2]!, text: record[3]! });
    else if (records.length > 0 && line.trim() !== '' && !STANDALONE_LINE.test(line)) records.at(-1)!.text += `\n${line.trimEnd()}`;
    else plainLines.push(line.trimEnd());
  }
  for (const { level, target, text } of records) {
    if (target === 'codex_core::tools::router' && level === 'ERROR') {
      failedToolCalls++;
      const message = text.replace(/^error=/, '');
      if (PERMISSION_REJECTION.test(message)) refusals.push({ tool: guessRefusedTool(message), detail: shorten(message) });
    } else if (target === 'codex_sandboxing::violation') {
      const reason = /\breason=(\S+)/.exec(text)?.[1];
      const path = /\bpath=(\S+)/.exec(text)?.[1];
      const what = [reason?.replaceAll('_', ' '), path === undefined || path === 'unknown' ? undefined : path].filter((part) => part !== undefined).join(': ');
      refusals.push({ tool: 'exec_command', detail: `a command stopped by the sandbox${what === '' ? '' : ` (${what})`}` });
    }
  }
  const startupError = findStartupError(plainLines);
  return { refusals, failedToolCalls, ...(startupError === undefined ? {} : { startupError }) };
}

function guessRefusedTool(message: string): string {
  if (/^patch rejected/i.test(message)) return 'apply_patch';
  if (/\bcommand\b/i.test(message)) return 'exec_command';
  return 'tool call';
}

/** From `Error: …` (or `error: …`, clap's wording) up to the backtrace, else the last line; WARNING lines skipped. */
function findStartupError(lines: readonly string[]): string | undefined {
  const meaningful = lines.filter((line) => line.trim() !== '' && !line.startsWith('WARNING:') && !line.startsWith('Reading '));
  const start = meaningful.findIndex((line) => /^(error|Error)\b/.test(line));
  if (start < 0) return meaningful.at(-1)?.trim();
  const end = meaningful.findIndex((line, index) => index > start && /^(Stack backtrace:|Usage:|For more information)/.test(line.trim()));
  return meaningful
    .slice(start, end < 0 ? undefined : end)
    .slice(0, MAX_STARTUP_ERROR_LINES)
    .map((line) => line.trim())
    .join('\n');
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_DETAIL_CHARS ? `${oneLine.slice(0, MAX_DETAIL_CHARS)}…` : oneLine;
}
