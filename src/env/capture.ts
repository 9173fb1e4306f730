/**
 * The environment around a run, captured before and after it: the engine's info, CPU frequency governors
 * and current frequencies, thermal zones and the load average, read from /sys and /proc where readable
 * (missing files are recorded as absent, never as errors), and the drift between two captures.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NoiseEstimate } from './noise.js';

/** One capture (env-before.json / env-after.json). */
export interface EnvSnapshot {
  schemaVersion: 1;
  capturedAt: string;
  engineInfo: unknown;
  cpus: { cpu: number; governor?: string; curFreqKHz?: number }[];
  thermal: { zone: string; type?: string; tempC?: number }[];
  loadavg?: [number, number, number];
  /** env-before.json only: the noise calibration before measuring (src/env/noise.ts). */
  noise?: NoiseEstimate;
}

function read(path: string): string | undefined {
  try { return readFileSync(path, 'utf8').trim(); } catch { return undefined; }
}

/** Reads /sys and /proc under root ("/" normally; tests pass a fake tree). */
export function captureEnv(engineInfo: unknown, root = '/', now = new Date()): EnvSnapshot {
  const cpuDir = join(root, 'sys/devices/system/cpu');
  const cpus: EnvSnapshot['cpus'] = [];
  if (existsSync(cpuDir)) {
    for (const name of readdirSync(cpuDir).filter((n) => /^cpu\d+$/.test(n)).sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))) {
      const governor = read(join(cpuDir, name, 'cpufreq/scaling_governor'));
      const freq = read(join(cpuDir, name, 'cpufreq/scaling_cur_freq'));
      cpus.push({ cpu: Number(name.slice(3)), ...(governor ? { governor } : {}), ...(freq && /^\d+$/.test(freq) ? { curFreqKHz: Number(freq) } : {}) });
    }
  }
  const thermalDir = join(root, 'sys/class/thermal');
  const thermal: EnvSnapshot['thermal'] = [];
  if (existsSync(thermalDir)) {
    for (const zone of readdirSync(thermalDir).filter((n) => n.startsWith('thermal_zone')).sort()) {
      const temp = read(join(thermalDir, zone, 'temp'));
      const type = read(join(thermalDir, zone, 'type'));
      thermal.push({ zone, ...(type ? { type } : {}), ...(temp && /^-?\d+$/.test(temp) ? { tempC: Number(temp) / 1000 } : {}) });
    }
  }
  const load = read(join(root, 'proc/loadavg'))?.split(/\s+/).slice(0, 3).map(Number);
  return {
    schemaVersion: 1, capturedAt: now.toISOString(), engineInfo, cpus, thermal,
    ...(load && load.length === 3 && load.every(Number.isFinite) ? { loadavg: load as [number, number, number] } : {}),
  };
}

/** Drift between two captures: the largest relative change of a CPU's frequency and the largest temperature rise. */
export function driftOf(before: EnvSnapshot, after: EnvSnapshot): { freqDriftPct?: number; tempRiseC?: number; governorChanged: boolean } {
  let freqDriftPct: number | undefined;
  let governorChanged = false;
  for (const b of before.cpus) {
    const a = after.cpus.find((c) => c.cpu === b.cpu);
    if (!a) continue;
    if (b.governor !== a.governor) governorChanged = true;
    if (b.curFreqKHz && a.curFreqKHz) {
      const d = (100 * Math.abs(a.curFreqKHz - b.curFreqKHz)) / b.curFreqKHz;
      freqDriftPct = Math.max(freqDriftPct ?? 0, d);
    }
  }
  let tempRiseC: number | undefined;
  for (const b of before.thermal) {
    const a = after.thermal.find((z) => z.zone === b.zone);
    if (b.tempC !== undefined && a?.tempC !== undefined) tempRiseC = Math.max(tempRiseC ?? 0, a.tempC - b.tempC);
  }
  return { ...(freqDriftPct !== undefined ? { freqDriftPct } : {}), ...(tempRiseC !== undefined ? { tempRiseC } : {}), governorChanged };
}
