import { describe, expect, it } from 'vitest';
import { countTokensWith } from './count-tokens.js';
import { SourceMemo } from './source-memo.js';
import { summariseText } from './summarise-text.js';

const count = (text: string): number => countTokensWith(text, 'o200k_base');

function designDocument(sections: number): string {
  const parts = ['# Todo service design', '', 'A small REST service for todo lists, built by two teams in parallel.', ''];
  for (let section = 1; section <= sections; section++) {
    parts.push(`## Section ${section}: endpoint group ${section}`, '', `Section ${section} opens with what the group is for.`);
    for (let filler = 0; filler < 12; filler++) parts.push(`Ordinary prose line ${filler} of section ${section}, describing fields and behaviour at length without anything notable.`);
    parts.push(`Decision ${section}: pagination uses opaque cursors, never offsets.`);
    parts.push(`The handlers live in src/routes/group-${section}.ts and their tests beside them.`);
    parts.push('```ts', `export function listGroup${section}(cursor: string): Page {`, '  const rows = query(cursor);', '  return toPage(rows);', '}', '```', '');
  }
  parts.push('## Risks', '', 'Risk: the frontend may ship before the contract freezes.');
  return parts.join('\n');
}

function summarise(text: string, budgetTokens: number) {
  const memo = new SourceMemo('o200k_base');
  return summariseText(memo.linesOf('output:design', text), { budgetTokens, sourceTokens: count(text), label: 'the output of task design (solutions-architect)', count });
}

describe('summariseText', () => {
  it('keeps headings, section openings, decisions, risks and file names, in order, within the budget, labelled', () => {
    const text = designDocument(6);
    const summary = summarise(text, 600)!;
    expect(summary.tokens).toBe(count(summary.text));
    expect(summary.tokens).toBeLessThanOrEqual(600);
    const lines = summary.text.split('\n');
    expect(lines[0]).toMatch(/^\[Summary by ensemble of the output of task design \(solutions-architect\) \([\d,]+ tokens whole\)/);
    for (let section = 1; section <= 6; section++) {
      expect(lines).toContain(`## Section ${section}: endpoint group ${section}`);
      expect(lines).toContain(`Decision ${section}: pagination uses opaque cursors, never offsets.`);
    }
    expect(lines).toContain('Risk: the frontend may ship before the contract freezes.');
    expect(summary.text).not.toContain('```');
    expect(summary.text).not.toContain('Ordinary prose line');
    // The chosen lines keep the order they have in the text.
    const positions = lines.slice(1).map((line) => text.indexOf(line));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((left, right) => left - right)).toEqual(positions);
  });

  it('drops the least important kinds first when the budget is small', () => {
    const summary = summarise(designDocument(6), 180)!;
    expect(summary.tokens).toBeLessThanOrEqual(180);
    expect(summary.text).toContain('## Section 6: endpoint group 6');
    expect(summary.text).not.toContain('export function listGroup');
  });

  it('gives no summary of text without structure, nor within a budget smaller than its header', () => {
    const prose = Array.from({ length: 200 }, (_, line) => `plain line ${line} with nothing to pick`).join('\n');
    expect(summarise(prose, 600)).toBeUndefined();
    expect(summarise(designDocument(3), 20)).toBeUndefined();
  });

  it('is deterministic', () => {
    const text = designDocument(10);
    expect(summarise(text, 400)).toEqual(summarise(text, 400));
  });
});
