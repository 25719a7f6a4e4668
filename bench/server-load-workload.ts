/** One task of the execute body, in the workflow file's task shape. */
export interface LoadTask {
  readonly id: string;
  readonly agentName: string;
  readonly description: string;
  readonly prompt: string;
  readonly dependencies: readonly string[];
}

/** A built-in agent (`ensemble agents list`); with no provider configured it runs simulated. */
export const LOAD_AGENT_NAME = 'developer';

/** Widths of the dependency layers: a plan, three fan-outs of six, a summary (20 tasks). */
const LAYER_WIDTHS = [1, 6, 6, 6, 1] as const;

/**
 * The 20 no-op tasks of one benchmark run: five layers, each task of a middle layer depending on
 * two tasks of the layer before (all of them for the last), so runs have parallel stretches and
 * joins, and every task's event sequence (start, context, tool calls, end) is the usual one.
 */
export function createLayeredTasks(runIndex: number, agentName = LOAD_AGENT_NAME): LoadTask[] {
  const tasks: LoadTask[] = [];
  let previous: string[] = [];
  LAYER_WIDTHS.forEach((width, layer) => {
    const current: string[] = [];
    for (let position = 0; position < width; position++) {
      const id = `layer${layer}-task${position}`;
      const dependencies =
        previous.length === 0 ? [] : layer === LAYER_WIDTHS.length - 1 || previous.length === 1 ? [...previous] : [previous[position % previous.length]!, previous[(position + 1) % previous.length]!];
      tasks.push({
        id,
        agentName,
        description: `load run ${runIndex}, layer ${layer}, task ${position}`,
        prompt: `Implement step ${position} of layer ${layer} for load run ${runIndex}; keep it small.`,
        dependencies,
      });
      current.push(id);
    }
    previous = current;
  });
  return tasks;
}
