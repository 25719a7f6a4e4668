import { describe, expect, it } from 'vitest';
import { enterWorkspace } from './workspace-activity.js';

describe('workspace activity', () => {
  it('marks visits that overlap in one work tree as shared, and no others', () => {
    const first = enterWorkspace('/repo');
    const elsewhere = enterWorkspace('/other');
    expect(first.isShared).toBe(false);
    const second = enterWorkspace('/repo');
    expect(second.isShared).toBe(true);
    expect(first.isShared).toBe(true);
    first.leave();
    second.leave();
    expect(elsewhere.isShared).toBe(false);
    elsewhere.leave();
    const later = enterWorkspace('/repo');
    expect(later.isShared).toBe(false);
    later.leave();
  });
});
