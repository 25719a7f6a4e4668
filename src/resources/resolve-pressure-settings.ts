import { z } from 'zod';
import {
  DEFAULT_AGENT_MEMORY_MB,
  DEFAULT_CPU_BAND_PERCENT,
  DEFAULT_CPU_TARGET_PERCENT,
  defaultMemoryFloorMb,
  EnsembleError,
  resourceSettingsSchema,
  type HostSample,
  type PressureSettings,
  type ResourceSettings,
} from '../core/index.js';

/** How host pressure limits this process's process agents, every field filled; the limit's maximum comes from the runs. */
export interface ResolvedPressureSettings extends Omit<PressureSettings, 'maxLimit'> {
  /** Whether host pressure moves the process-agent limit at all (off: only `maxParallelAgents` limits them). */
  readonly isEnabled: boolean;
}

/** Where a run's resource settings come from, highest first after the environment: the run's own, then the config file's. */
export interface ResourceSettingLayers {
  /** The run config's `resources` (the workflow file, the library config, CLI flags; kept with the run for `resume`). */
  readonly run?: ResourceSettings | undefined;
  /** `ensemble.config.yaml`'s `resources:`. */
  readonly file?: ResourceSettings | undefined;
}

const SWITCH_VALUES: Readonly<Record<string, boolean>> = { on: true, off: false, true: true, false: false, '1': true, '0': false };

const pressureControlEnvSchema = z
  .string()
  .transform((text) => text.trim().toLowerCase())
  .refine((text) => text in SWITCH_VALUES, 'expected on or off')
  .transform((text) => SWITCH_VALUES[text] as boolean);

// `60` or `60%`, within what `resources.cpuTarget` accepts.
const cpuTargetEnvSchema = z
  .string()
  .transform((text) => text.trim().replace(/%$/, ''))
  .refine((text) => /^\d+(\.\d+)?$/.test(text), 'expected a percentage such as 60')
  .transform(Number)
  .pipe(resourceSettingsSchema.shape.cpuTarget.unwrap());

/**
 * Fills every pressure setting, field by field: the run's `resources` first, then the environment
 * (ENSEMBLE_PRESSURE_CONTROL=on|off, ENSEMBLE_CPU_TARGET=<percent>), then the config file's
 * `resources:`, then the defaults (on, CPU 60 %, a floor of 10 % of the host's memory but at least
 * 512 MB, 768 MB per agent). The band under the target is 20 points, or half the target when that is
 * less, so a low target still has room to grow in. Throws INVALID_INPUT naming a bad variable.
 */
export function resolvePressureSettings(layers: ResourceSettingLayers, env: Readonly<Record<string, string | undefined>>, host: Pick<HostSample, 'memoryTotalMb'>): ResolvedPressureSettings {
  const fromEnv = readPressureEnv(env);
  const { run = {}, file = {} } = layers;
  const cpuTargetPercent = run.cpuTarget ?? fromEnv.cpuTarget ?? file.cpuTarget ?? DEFAULT_CPU_TARGET_PERCENT;
  return {
    isEnabled: run.pressureControl ?? fromEnv.pressureControl ?? file.pressureControl ?? true,
    cpuTargetPercent,
    bandPercent: Math.min(DEFAULT_CPU_BAND_PERCENT, cpuTargetPercent / 2),
    memoryFloorMb: run.memoryFloorMb ?? file.memoryFloorMb ?? defaultMemoryFloorMb(host.memoryTotalMb),
    agentMemoryMb: run.agentMemoryMb ?? file.agentMemoryMb ?? DEFAULT_AGENT_MEMORY_MB,
  };
}

/** The environment's pressure settings; an empty variable counts as unset, as shells and dotenv files leave them. */
function readPressureEnv(env: Readonly<Record<string, string | undefined>>): Pick<ResourceSettings, 'pressureControl' | 'cpuTarget'> {
  const read = <T>(name: string, schema: z.ZodType<T, string>): T | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return undefined;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const reason = parsed.error.issues[0]?.message ?? 'invalid';
    throw new EnsembleError('INVALID_INPUT', `environment variable ${name}: ${reason}, got "${raw}"`, { details: { variable: name, value: raw } });
  };
  const pressureControl = read('ENSEMBLE_PRESSURE_CONTROL', pressureControlEnvSchema);
  const cpuTarget = read('ENSEMBLE_CPU_TARGET', cpuTargetEnvSchema);
  return { ...(pressureControl === undefined ? {} : { pressureControl }), ...(cpuTarget === undefined ? {} : { cpuTarget }) };
}
