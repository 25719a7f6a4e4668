import { z } from 'zod';
import { EnsembleError } from '../../core/index.js';
import type { DependencyOutput, TaskSpec } from '../../core/index.js';
import { consolidateFindings } from './consolidate-findings.js';
import { parseReviewFindings } from './parse-review-findings.js';
import { renderReviewReport } from './render-review-report.js';
import { REPORT_FORMATS } from './schema.js';

/** The name tasks use for the built-in consolidator. */
export const FINDINGS_CONSOLIDATOR = 'findings-consolidator';

/** What the consolidator reads from its task's `context`. */
const consolidatorContextSchema = z.looseObject({
  /** The report's format. @default markdown */
  format: z.enum(REPORT_FORMATS, { error: 'expected markdown or json' }).default('markdown'),
});

/**
 * The built-in, deterministic consolidator of a review swarm, an in-process agent (no model): it
 * reads the findings in the output of each task its task depends on (the reviewers; each is named
 * by its task id), merges them (`consolidateFindings`) and answers with the report in the format
 * its task's `context.format` asks for (`markdown` by default, or `json`). Its shape is the
 * agents' `InProcessAgent`, declared here so workflows need not depend on agents.
 */
export const findingsConsolidator = {
  name: FINDINGS_CONSOLIDATOR,
  description: 'Merges the review findings of the tasks it depends on into one report: critical, warnings, suggestions, approvals (no model)',
  category: 'quality',
  run(task: TaskSpec, context: { readonly inputs: readonly DependencyOutput[] }): string {
    const parsed = consolidatorContextSchema.safeParse(task.context ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new EnsembleError('INVALID_INPUT', `task "${task.id}": context.${issue?.path.join('.') ?? 'format'}: ${issue?.message ?? 'invalid'}`, {
        details: { taskId: task.id },
      });
    }
    if (context.inputs.length === 0) {
      throw new EnsembleError('INVALID_INPUT', `task "${task.id}": ${FINDINGS_CONSOLIDATOR} consolidates the outputs of the tasks it depends on, and it depends on none`, {
        details: { taskId: task.id },
      });
    }
    const heard = context.inputs.map((input) => ({ reviewer: input.taskId, agentName: input.agentName, ...parseReviewFindings(input.output) }));
    // The consolidation runs once any reviewer succeeded: the ones that failed are listed as not heard, not forgotten.
    const failed = task.dependencies
      .filter((taskId) => !context.inputs.some((input) => input.taskId === taskId))
      .map((taskId) => ({ reviewer: taskId, agentName: taskId, findings: [], problems: ['the reviewer failed: it returned no review'], source: 'none' as const }));
    const report = consolidateFindings([...heard, ...failed]);
    return renderReviewReport(report, parsed.data.format);
  },
} as const;
