import type { RunEventOf } from '../../core/index.js';
import type { Palette } from '../format.js';

/**
 * The line the progress views print for a `resources:pressure` decision: what was measured and the
 * process-agent limit before and after (`⇣ host CPU 97%: process agents 16 → 9, 7 waiting`).
 */
export function renderPressureLine(event: RunEventOf<'resources:pressure'>, palette: Palette): string {
  const isLower = event.limit < event.previousLimit;
  const colour = isLower ? palette.yellow : palette.green;
  const measured = event.reason === 'cpu-above-target' || event.reason === 'below-band' ? `host CPU ${Math.round(event.cpuPercent)}%` : `host memory ${formatMb(event.memoryAvailableMb)} available`;
  const waiting = event.held > 0 ? palette.dim(`, ${event.held} waiting`) : '';
  return `${colour(isLower ? '⇣' : '⇡')} ${colour(`${measured}: process agents ${event.previousLimit} → ${event.limit}`)}${waiting}`;
}

function formatMb(mb: number): string {
  return mb < 1024 ? `${Math.round(mb)} MB` : `${(mb / 1024).toFixed(1)} GB`;
}
