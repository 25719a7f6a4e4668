import type { RunEvent } from '../../core/index.js';
import type { Palette } from '../format.js';
import { sanitizeTerminalLine } from '../terminal/index.js';
import { renderPressureLine } from './render-pressure-line.js';

/** Characters of a message's first line shown in its notice; the whole message is in the journal (`runs show`, `--json`). */
const MAX_MESSAGE_PREVIEW_CHARS = 160;

/**
 * The line the progress views print for an agent message (`✉ architect → frontend (request): Which
 * colours?`, its first line only), a run warning (`⚠ shout: …`) or a host-pressure decision
 * (`⇣ host CPU 97%: process agents 16 → 9`); undefined for other events.
 * Agent text is untrusted: escape sequences and control characters are stripped.
 */
export function renderNoticeLine(event: RunEvent, palette: Palette): string | undefined {
  switch (event.type) {
    case 'agent:message': {
      const kind = event.messageType === 'data' || event.messageType === 'broadcast' ? '' : ` (${event.messageType})`;
      const route = `${sanitizeTerminalLine(event.from)} → ${sanitizeTerminalLine(event.to)}${kind}`;
      return `${palette.cyan('✉')} ${route}: ${previewOf(event.content)}`;
    }
    case 'resources:pressure':
      return renderPressureLine(event, palette);
    case 'run:warning': {
      const where = event.taskId === undefined ? 'warning' : sanitizeTerminalLine(event.taskId);
      return `${palette.yellow('⚠')} ${where}: ${palette.yellow(sanitizeTerminalLine(event.message))}`;
    }
    default:
      return undefined;
  }
}

/** The first line with text, cut at {@link MAX_MESSAGE_PREVIEW_CHARS}; `…` says more follows. */
function previewOf(content: string): string {
  const lines = content.split(/\r?\n|\r/).map((line) => sanitizeTerminalLine(line).trim());
  const index = lines.findIndex((line) => line !== '');
  if (index === -1) return '(empty)';
  const first = lines[index]!;
  const hasMore = lines.slice(index + 1).some((line) => line !== '');
  // By code points, so an emoji is never cut in half.
  const characters = Array.from(first);
  if (characters.length > MAX_MESSAGE_PREVIEW_CHARS) return `${characters.slice(0, MAX_MESSAGE_PREVIEW_CHARS - 1).join('')}…`;
  return hasMore ? `${first} …` : first;
}
