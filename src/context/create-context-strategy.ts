import {
  contextStrategySchema,
  EnsembleError,
  toInputIssues,
  type ContextReceipt,
  type ContextReceiptEntry,
  type ContextRequest,
  type ContextSources,
  type ContextStrategy as ContextStrategyName,
  type ContextStrategyPort,
  type PruneReport,
  type TaskContext,
} from '../core/index.js';
import { collectCandidates, type ContextCandidates } from './collect-candidates.js';
import { handOverContext, type HandedEntry, type HandOver } from './hand-over-context.js';
import { replayCandidates } from './replay-candidates.js';
import { contextStrategyOptionsSchema, type ContextStrategyOptions, type ContextStrategyOptionsInput } from './schema.js';
import { SourceMemo } from './source-memo.js';
import { VisitMarks } from './task-ancestors.js';
import { tokenizerFor, type TokenizerName } from './tokenizer-for.js';

/**
 * The context strategy of a run, by name (`shared`, `isolated`, `hierarchical`): what each task is
 * handed, counted with the tokenizer of its model and pruned past the run's threshold. Keep one per
 * run: it remembers token counts and summaries of the run's outputs, which never change.
 */
export function createContextStrategy(name: ContextStrategyName, options: ContextStrategyOptionsInput = {}): ContextStrategyPort {
  const parsedName = contextStrategySchema.safeParse(name);
  if (!parsedName.success) {
    throw new EnsembleError('INVALID_INPUT', `contextStrategy: unknown strategy ${JSON.stringify(name)}; use shared, isolated or hierarchical`, { details: { contextStrategy: name } });
  }
  const parsedOptions = contextStrategyOptionsSchema.safeParse(options);
  if (!parsedOptions.success) {
    const issues = toInputIssues(parsedOptions.error, 'contextStrategyOptions');
    throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
  }
  return new RunContextStrategy(parsedName.data, parsedOptions.data);
}

class RunContextStrategy implements ContextStrategyPort {
  private readonly memos = new Map<TokenizerName, SourceMemo>();
  private readonly marks = new VisitMarks();
  /** Which run's sources {@link offersOutputs} has read, how far, and whether it found a non-empty output. */
  private scan: { sources: ContextSources; scanned: number; hasOutput: boolean } | undefined;

  constructor(
    private readonly name: ContextStrategyName,
    private readonly options: ContextStrategyOptions,
  ) {}

  assemble(request: ContextRequest): TaskContext {
    const tokenizer = tokenizerFor(request.model);
    let memo = this.memos.get(tokenizer);
    if (memo === undefined) {
      memo = new SourceMemo(tokenizer);
      this.memos.set(tokenizer, memo);
    }
    const { replay } = request;
    const candidates = replay === undefined ? collectCandidates(this.name, request, { maxOtherOutputs: this.options.maxOtherOutputs, marks: this.marks, offersOutputs: this.offersOutputs(request.sources) }) : replayCandidates(replay, request);
    const handOver = handOverContext(
      candidates,
      {
        thresholdTokens: request.thresholdTokens,
        summaryTokens: this.options.summaryTokens,
        ...(replay === undefined ? {} : { replay: new Map(replay.entries.map((entry) => [entry.key, entry.treatment])) }),
      },
      memo,
    );
    return toTaskContext(handOver, candidates, { strategy: replay?.strategy ?? this.name, tokenizer, thresholdTokens: request.thresholdTokens });
  }

  /** Whether a finished task of the run has a non-empty output; reads each newly finished task once (outputs never change). */
  private offersOutputs(sources: ContextSources): boolean {
    if (this.scan?.sources !== sources) this.scan = { sources, scanned: 0, hasOutput: false };
    const scan = this.scan;
    for (; !scan.hasOutput && scan.scanned < sources.finished.length; scan.scanned++) {
      const output = sources.output(sources.finished[scan.scanned]!);
      if (output !== undefined && output !== '') scan.hasOutput = true;
    }
    return scan.hasOutput;
  }
}

function toTaskContext(handOver: HandOver, candidates: ContextCandidates, facts: { readonly strategy: ContextStrategyName; readonly tokenizer: string; readonly thresholdTokens: number }): TaskContext {
  const handed = [...handOver.dependencies, ...handOver.context];
  const entries = handed.map(toReceiptEntry);
  const tokens = entries.reduce((total, entry) => total + entry.tokens, 0);
  const receipt: ContextReceipt = { strategy: facts.strategy, tokenizer: facts.tokenizer, entries, tokens };
  const inputs = handOver.dependencies.map((entry) => ({ taskId: entry.candidate.source, agentName: entry.candidate.agentName, output: entry.text }));
  const context = handOver.context.map((entry) => ({
    key: entry.candidate.key,
    relation: entry.candidate.relation,
    source: entry.candidate.source,
    agentName: entry.candidate.agentName,
    text: entry.text,
    treatment: entry.treatment,
    tokens: entry.tokens,
    ...(entry.candidate.messageType === undefined ? {} : { messageType: entry.candidate.messageType }),
  }));
  const pruned = toPruneReport(handOver, candidates, facts.thresholdTokens, tokens);
  return pruned === undefined ? { inputs, context, receipt } : { inputs, context, receipt, pruned };
}

const isWhole = (entry: HandedEntry): boolean => entry.treatment === 'whole';

function toReceiptEntry(entry: HandedEntry): ContextReceiptEntry {
  return { key: entry.candidate.key, relation: entry.candidate.relation, treatment: entry.treatment, tokens: entry.tokens, sourceTokens: entry.sourceTokens };
}

/** The entries pruning changed or dropped, in order of relevance; undefined when it changed nothing. */
function toPruneReport(handOver: HandOver, candidates: ContextCandidates, thresholdTokens: number, afterTokens: number): PruneReport | undefined {
  const isUnchanged = handOver.dropped.length === 0 && handOver.dependencies.every(isWhole) && handOver.context.every(isWhole);
  if (isUnchanged) return undefined;
  const handedByKey = new Map([...handOver.dependencies, ...handOver.context].map((entry) => [entry.candidate.key, entry]));
  const droppedByKey = new Map(handOver.dropped.map((item) => [item.candidate.key, item]));
  const reportEntries: PruneReport['entries'][number][] = [];
  for (const candidate of [...candidates.dependencies, ...candidates.context]) {
    const entry = handedByKey.get(candidate.key);
    if (entry === undefined) {
      const dropped = droppedByKey.get(candidate.key);
      if (dropped !== undefined) reportEntries.push({ key: candidate.key, treatment: 'dropped', beforeTokens: dropped.sourceTokens, afterTokens: 0 });
    } else if (entry.treatment !== 'whole') {
      reportEntries.push({ key: candidate.key, treatment: entry.treatment, beforeTokens: entry.sourceTokens, afterTokens: entry.tokens });
    }
  }
  if (reportEntries.length === 0) return undefined;
  return { thresholdTokens, beforeTokens: handOver.beforeTokens, afterTokens, entries: reportEntries };
}
