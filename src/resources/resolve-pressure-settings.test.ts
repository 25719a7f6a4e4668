import { describe, expect, it } from 'vitest';
import { isEnsembleError } from '../core/index.js';
import { resolvePressureSettings } from './resolve-pressure-settings.js';

const HOST = { memoryTotalMb: 16_000 };

describe('resolvePressureSettings', () => {
  it('fills every field with the defaults when nothing is set', () => {
    expect(resolvePressureSettings({}, {}, HOST)).toEqual({ isEnabled: true, cpuTargetPercent: 60, bandPercent: 20, memoryFloorMb: 1600, agentMemoryMb: 768 });
    // A small host keeps at least 512 MB available.
    expect(resolvePressureSettings({}, {}, { memoryTotalMb: 2000 }).memoryFloorMb).toBe(512);
  });

  it('takes the run config over the environment, the environment over the config file, the file over the defaults, field by field', () => {
    const file = { pressureControl: false, cpuTarget: 40, memoryFloorMb: 2000, agentMemoryMb: 512 };
    expect(resolvePressureSettings({ file }, {}, HOST)).toEqual({ isEnabled: false, cpuTargetPercent: 40, bandPercent: 20, memoryFloorMb: 2000, agentMemoryMb: 512 });
    const env = { ENSEMBLE_PRESSURE_CONTROL: 'on', ENSEMBLE_CPU_TARGET: '70' };
    expect(resolvePressureSettings({ file }, env, HOST)).toEqual({ isEnabled: true, cpuTargetPercent: 70, bandPercent: 20, memoryFloorMb: 2000, agentMemoryMb: 512 });
    const run = { pressureControl: false, agentMemoryMb: 256 };
    expect(resolvePressureSettings({ run, file }, env, HOST)).toEqual({ isEnabled: false, cpuTargetPercent: 70, bandPercent: 20, memoryFloorMb: 2000, agentMemoryMb: 256 });
    expect(resolvePressureSettings({ run: { cpuTarget: 55 }, file }, env, HOST).cpuTargetPercent).toBe(55);
  });

  it('reads the switch as on/off (also true/false, 1/0, any case), and a target with or without %', () => {
    for (const [value, isEnabled] of [['off', false], ['OFF', false], [' false ', false], ['0', false], ['on', true], ['True', true], ['1', true]] as const) {
      expect(resolvePressureSettings({}, { ENSEMBLE_PRESSURE_CONTROL: value }, HOST).isEnabled).toBe(isEnabled);
    }
    expect(resolvePressureSettings({}, { ENSEMBLE_CPU_TARGET: '45%' }, HOST).cpuTargetPercent).toBe(45);
    expect(resolvePressureSettings({}, { ENSEMBLE_CPU_TARGET: '72.5' }, HOST).cpuTargetPercent).toBe(72.5);
  });

  it('treats empty variables as unset', () => {
    expect(resolvePressureSettings({ file: { pressureControl: false } }, { ENSEMBLE_PRESSURE_CONTROL: '', ENSEMBLE_CPU_TARGET: '  ' }, HOST)).toMatchObject({ isEnabled: false, cpuTargetPercent: 60 });
  });

  it('narrows the band for a low target, so the limit can still grow under it', () => {
    expect(resolvePressureSettings({ run: { cpuTarget: 20 } }, {}, HOST).bandPercent).toBe(10);
  });

  it.each([
    ['ENSEMBLE_PRESSURE_CONTROL', 'maybe', /ENSEMBLE_PRESSURE_CONTROL: expected on or off, got "maybe"/],
    ['ENSEMBLE_CPU_TARGET', 'high', /ENSEMBLE_CPU_TARGET: expected a percentage such as 60, got "high"/],
    ['ENSEMBLE_CPU_TARGET', '150', /ENSEMBLE_CPU_TARGET: must be at most 100 \(%\), got "150"/],
    ['ENSEMBLE_CPU_TARGET', '2', /ENSEMBLE_CPU_TARGET: must be at least 5 \(%\), got "2"/],
    ['ENSEMBLE_CPU_TARGET', '-10', /ENSEMBLE_CPU_TARGET: expected a percentage/],
  ])('refuses %s=%s with INVALID_INPUT naming the variable', (name, value, message) => {
    let thrown: unknown;
    try {
      resolvePressureSettings({}, { [name]: value }, HOST);
    } catch (error) {
      thrown = error;
    }
    expect(isEnsembleError(thrown) && thrown.code).toBe('INVALID_INPUT');
    expect((thrown as Error).message).toMatch(message);
  });

  it('reads a bad variable even when the run config overrides it: a typo does not hide until the day it matters', () => {
    expect(() => resolvePressureSettings({ run: { cpuTarget: 50 } }, { ENSEMBLE_CPU_TARGET: 'fifty' }, HOST)).toThrow(/ENSEMBLE_CPU_TARGET/);
  });
});
