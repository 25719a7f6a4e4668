import type { RunEvent, RunState } from '../../core/index.js';
import { formatNumber, type Palette } from '../format.js';
import { displayWidth, sanitizeTerminalLine, type TerminalOutput } from '../terminal/index.js';
import { describeProviderPause } from './describe-provider-wait.js';
import { renderNoticeLine } from './render-notice-line.js';
import { renderTaskRow } from './render-task-row.js';
import { SIMULATED_NOTICE } from './simulated-notice.js';

/**
 * One line per notable event, for logs and pipes. The caller folds each event into `state` (the
 * core's run state) first, so a task's line shows its state after the event.
 */
export class LineProgressView {
  private noticePrinted = false;

  constructor(
    private readonly state: RunState,
    private readonly output: TerminalOutput,
    private readonly palette: Palette,
  ) {}

  onEvent(event: RunEvent): void {
    const write = (line: string): void => this.output.write(`${line}\n`);
    const { palette } = this;
    switch (event.type) {
      case 'workflow:start':
        write(
          palette.bold(
            `ensemble · ${sanitizeTerminalLine(event.workflowName)} · ${event.runId} · ${event.taskCount} tasks` +
              `${event.resumed ? ` (resumed, ${event.completedTaskCount} already done)` : ''}`,
          ),
        );
        break;
      case 'agent:invoke':
        if (event.runtime === 'simulated' && !this.noticePrinted) {
          this.noticePrinted = true;
          write(palette.yellow(`note: ${SIMULATED_NOTICE}.`));
        }
        write(`${palette.cyan('▶')} ${event.taskId} ${palette.dim(`(${event.agentName}, ${event.runtime}${event.attempt > 1 ? `, attempt ${event.attempt}` : ''})`)}`);
        break;
      case 'provider:pause': {
        const cause = event.error === undefined ? '' : palette.dim(` (${event.error.code}: ${sanitizeTerminalLine(event.error.message.split('\n')[0] ?? '')})`);
        write(`${palette.yellow('⏸')} ${event.taskId} ${palette.yellow(describeProviderPause(event))}${cause}`);
        break;
      }
      case 'provider:circuit': {
        const failures = event.failures === undefined ? '' : ` after ${event.failures} failures`;
        const colour = event.state === 'closed' ? palette.green : palette.yellow;
        write(`${colour('⚡')} ${event.taskId} ${colour(`${event.provider} circuit ${event.state}${failures}`)}`);
        break;
      }
      case 'agent:tool': {
        // Only failed calls: one line per call would bury the run's progress (a task makes dozens).
        if (event.state !== 'end' || event.ok !== false) break;
        const input = event.input === '' ? '' : ` ${sanitizeTerminalLine(event.input)}`;
        const reason = event.error === undefined ? '' : `: ${sanitizeTerminalLine(event.error.split('\n')[0] ?? '')}`;
        write(`${palette.yellow('⚙')} ${event.taskId} ${palette.yellow(`${sanitizeTerminalLine(event.tool)}${input} failed${reason}`)}`);
        break;
      }
      case 'agent:message':
      case 'resources:pressure':
      case 'run:warning': {
        const line = renderNoticeLine(event, palette);
        if (line !== undefined) write(line);
        break;
      }
      case 'task:complete':
      case 'task:error':
      case 'task:retry':
      case 'task:skipped':
      case 'task:cancelled': {
        const task = this.state.tasks.get(event.taskId);
        if (task === undefined) break;
        const widths = { id: Math.max(4, displayWidth(task.taskId)), agent: Math.max(5, displayWidth(task.agentName)) };
        // A reused output says where from and what it saved (`✔ review … (cached from run r-abc, saved 1,234 tokens)`).
        const cached = event.type === 'task:complete' && event.cachedFrom !== undefined ? palette.dim(` (cached from run ${sanitizeTerminalLine(event.cachedFrom.runId)}, saved ${formatNumber(event.cachedFrom.tokensSaved)} tokens)`) : '';
        write(renderTaskRow(task, event.at, palette, widths) + cached);
        break;
      }
      default:
        break;
    }
  }
}
