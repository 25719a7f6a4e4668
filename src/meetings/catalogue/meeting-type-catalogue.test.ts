import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentRegistry } from '../../agents/index.js';
import { MEETING_CATEGORIES, meetingTypeSchema } from '../schema.js';
import { getMeetingType, listMeetingTypes } from './meeting-type-catalogue.js';

/** The built-in agent catalogue alone: no ./agents or ~/.claude/agents of the machine running the tests. */
function builtinRegistry() {
  const empty = mkdtempSync(join(tmpdir(), 'ensemble-meeting-types-'));
  try {
    return loadAgentRegistry({ cwd: empty, homeDir: empty });
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}

describe('meeting type catalogue', () => {
  const types = listMeetingTypes();

  it('has at least 20 types with unique ids, including those DESIGN.md names', () => {
    expect(types.length).toBeGreaterThanOrEqual(20);
    expect(new Set(types.map((type) => type.id)).size).toBe(types.length);
    for (const id of ['architecture-review', 'standup', 'sprint-planning', 'retrospective', 'incident-postmortem', 'design-review', 'code-review']) {
      expect(getMeetingType(id).id).toBe(id);
    }
  });

  it('gives every type a purpose, rounds with instructions, a facilitator prompt, and participants and a facilitator from the built-in catalogue', () => {
    const registry = builtinRegistry();
    for (const type of types) {
      expect(meetingTypeSchema.safeParse(type).success, type.id).toBe(true);
      expect(type.purpose.length, type.id).toBeGreaterThan(40);
      expect(type.facilitatorPrompt, type.id).toMatch(/action item/i);
      for (const agentName of [...type.defaultParticipants, type.facilitator]) {
        expect(registry.get(agentName)?.source, `${type.id}: ${agentName}`).toBe('builtin');
      }
    }
  });

  it('covers every category and filters by one', () => {
    for (const category of MEETING_CATEGORIES) {
      const ofCategory = listMeetingTypes({ category });
      expect(ofCategory.length, category).toBeGreaterThan(0);
      expect(ofCategory.every((type) => type.category === category)).toBe(true);
    }
  });

  it('rejects an unknown type as invalid input, suggesting the closest id', () => {
    expect(() => getMeetingType('retrospectve')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('did you mean "retrospective"') }));
    expect(() => getMeetingType('tea-party')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('unknown meeting type "tea-party"') }));
  });
});
