/**
 * Reading a run folder for the analysis (jobs.json, experiment definitions, the device's compute units
 * from env-before.json, the host link's peak bandwidth from the platform config, the platform class from run.json, engine wall time from raw/*.jsonl[.gz]) and writing
 * derived/*.json. The only file I/O of the analysis.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listRawFiles, readRawBytes } from '../engine/raw-files.js';
import type { DeviceInfo, ExperimentDefinition, JobsFile } from './types.js';

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/** runDir/jobs.json; throws one line when it is missing or not a version 1 jobs file. */
export function readJobs(runDir: string): JobsFile {
  const data = readJson(join(runDir, 'jobs.json')) as JobsFile;
  if (data?.schemaVersion !== 1 || !Array.isArray(data.rows)) throw new Error(`${join(runDir, 'jobs.json')} is not a version 1 jobs file`);
  return data;
}

/** Every experiments/*.json in `dir` (sorted by file name). */
export function readExperiments(dir: string): ExperimentDefinition[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => readJson(join(dir, f)) as ExperimentDefinition);
}

/** One OpenCL device of the engine's `info`, with the platform it belongs to. */
interface InfoDevice { platform: string; device: Record<string, unknown> }

/** Every OpenCL device of an engine `info` document (env-before.json holds it under engineInfo). */
function infoDevices(info: unknown): InfoDevice[] {
  const doc = info as { engineInfo?: unknown; opencl?: { platforms?: { name?: string; devices?: Record<string, unknown>[] }[] } };
  const engineInfo = (doc?.engineInfo ?? doc) as typeof doc;
  return (engineInfo?.opencl?.platforms ?? []).flatMap((p) => (p.devices ?? []).map((device) => ({ platform: p.name ?? '', device })));
}

/** The platform config's OpenCL selector from run.json, when the run recorded one. */
function openclSelector(runDir: string): { platformContains?: string; deviceContains?: string; deviceType?: string } | undefined {
  const path = join(runDir, 'run.json');
  if (!existsSync(path)) return undefined;
  return (readJson(path) as { platformConfig?: { opencl?: Record<string, string> } }).platformConfig?.opencl;
}

/** Whether a device matches the selector the engine was given (empty fields match anything). */
function matchesSelector(d: InfoDevice, sel: NonNullable<ReturnType<typeof openclSelector>>): boolean {
  const type = String(d.device.type ?? '');
  const typeOk = !sel.deviceType || sel.deviceType === 'gpu-or-cpu' || sel.deviceType === type;
  return typeOk && d.platform.includes(sel.platformContains ?? '') && String(d.device.name ?? '').includes(sel.deviceContains ?? '');
}

/** The OpenCL device the run used, as readDevice picks it; undefined when no info was recorded. */
function pickedDevice(runDir: string): InfoDevice | undefined {
  const path = [join(runDir, 'env-before.json'), join(runDir, 'raw', 'info.json')].find((p) => existsSync(p));
  const devices = path ? infoDevices(readJson(path)) : [];
  const sel = openclSelector(runDir);
  return devices.find((d) => d.device.selected === true)
    ?? (sel ? devices.find((d) => matchesSelector(d, sel)) : undefined)
    ?? devices.find((d) => d.device.type === 'gpu') ?? devices[0];
}

/**
 * Whether the run's GPU side ran on the CPU side's cores: its device is an OpenCL CPU device (PoCL) and the
 * platform config gives it no cores of its own (opencl.deviceCores absent, or overlapping cpu.cores; an empty
 * cpu.cores is every core). `local` with PoCL is such a run, `pocl-split` (PoCL on cores 0-6, the CPU side on
 * 8-15) is not. Co-execution then adds no hardware, so the claims that compare it with a bound of two
 * independent sides cannot be judged (ClaimDefinition.needsSeparateCores).
 */
export function gpuSideSharesCpuCores(runDir: string): boolean {
  return sharesCpuCores(pickedDevice(runDir), runDir);
}

/** gpuSideSharesCpuCores for a device already picked (readDevice picks it once for both). */
function sharesCpuCores(pick: InfoDevice | undefined, runDir: string): boolean {
  if (pick?.device.type !== 'cpu') return false;
  const path = join(runDir, 'run.json');
  const config = existsSync(path)
    ? (readJson(path) as { platformConfig?: { opencl?: { deviceCores?: number[] }; cpu?: { cores?: number[] } } }).platformConfig
    : undefined;
  const deviceCores = config?.opencl?.deviceCores;
  if (deviceCores === undefined || deviceCores.length === 0) return true;
  const cpuCores = config?.cpu?.cores ?? [];
  return cpuCores.length === 0 || cpuCores.some((c) => deviceCores.includes(c));
}

/**
 * The OpenCL device's compute units from the engine's info: env-before.json for runs measured by the
 * harness, raw/info.json for runs imported from an offline bundle. The device is the one marked `selected`,
 * else the one the run's platform selector names (a bundle host has NVIDIA and PoCL side by side), else the
 * first GPU, else the first device; 1 compute unit when nothing says (waves = groups). With the peak
 * bandwidth of the platform's host link (readHostLinkGBps), unless the device said it shares host memory.
 */
export function readDevice(runDir: string): DeviceInfo {
  const pick = pickedDevice(runDir);
  const linkGBps = pick?.device.hostUnifiedMemory === true ? undefined : readHostLinkGBps(runDir);
  const link = linkGBps !== undefined ? { hostLinkGBps: linkGBps } : {};
  const shared = sharesCpuCores(pick, runDir) ? { sharesCpuCores: true } : {};
  const type = typeof pick?.device.type === 'string' ? { type: pick.device.type } : {};
  const cu = pick?.device.computeUnits ?? pick?.device.maxComputeUnits;
  if (typeof cu !== 'number') return { computeUnits: 1, ...type, ...link, ...shared };
  return { computeUnits: cu, ...(typeof pick!.device.name === 'string' ? { name: pick!.device.name } : {}), ...type, ...link, ...shared };
}

/** This checkout's configs/platforms/ (the runs' platform configs by name). */
const PLATFORMS_DIR = fileURLToPath(new URL('../../../configs/platforms/', import.meta.url));

/**
 * The peak GB/s of the run's host-device link (platform config `hostLink.peakGBps`): from the config the run
 * recorded in run.json when it has the field, else from the config of the platform run.json names in this
 * checkout (runs recorded before the field existed; a link does not change between runs of one platform);
 * undefined when neither says, as for every platform whose device shares host memory.
 */
export function readHostLinkGBps(runDir: string, platformsDir = PLATFORMS_DIR): number | undefined {
  const path = join(runDir, 'run.json');
  if (!existsSync(path)) return undefined;
  type Link = { hostLink?: { peakGBps?: unknown } };
  const run = readJson(path) as { platform?: unknown; platformConfig?: Link };
  const peak = (c: Link | undefined): number | undefined =>
    typeof c?.hostLink?.peakGBps === 'number' && c.hostLink.peakGBps > 0 ? c.hostLink.peakGBps : undefined;
  const recorded = peak(run.platformConfig);
  if (recorded !== undefined || typeof run.platform !== 'string') return recorded;
  const config = join(platformsDir, `${run.platform}.json`);
  return existsSync(config) ? peak(readJson(config) as Link) : undefined;
}

/** The platform class from run.json (`platform.class` or `platformClass`), if any. */
export function readPlatformClass(runDir: string): string | undefined {
  const path = join(runDir, 'run.json');
  if (!existsSync(path)) return undefined;
  const run = readJson(path) as { platform?: { class?: string }; platformClass?: string };
  return run.platform?.class ?? run.platformClass;
}

/**
 * Engine wall time per job id from raw/*.jsonl (jobs.json does not carry it), stored plain or compacted
 * to .jsonl.gz. Lines of files whose name contains "grid" win over others, so a job id repeated in the
 * confirmation pass keeps its grid cost.
 */
export function readWallNs(runDir: string): Map<string, number> {
  const out = new Map<string, number>();
  // Ordered by logical name, so compacting a run cannot change which file's wall time wins.
  const files = listRawFiles(runDir).sort((a, b) => Number(b.name.includes('grid')) - Number(a.name.includes('grid')) || a.name.localeCompare(b.name));
  for (const f of files) {
    for (const line of readRawBytes(f.physical).toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as { jobId?: string; wallNs?: number };
        if (r.jobId && typeof r.wallNs === 'number' && !out.has(r.jobId)) out.set(r.jobId, r.wallNs);
      } catch {
        // A truncated last line (engine killed mid-write) carries no usable wall time.
      }
    }
  }
  return out;
}

/** Writes derived/<name>.json files (pretty, trailing newline). */
export function writeDerived(runDir: string, files: Record<string, unknown>): void {
  const dir = join(runDir, 'derived');
  mkdirSync(dir, { recursive: true });
  for (const [name, value] of Object.entries(files)) {
    const path = join(dir, `${name}.json`);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, JSON.stringify(value, null, 1) + '\n');
  }
}
