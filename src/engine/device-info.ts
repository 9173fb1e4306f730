/**
 * Reads what the harness needs from the engine's `info` JSON: the OpenCL devices with their type, SVM
 * capabilities and working sync mechanisms, and the local device pick (a GPU with fine-grained SVM, else
 * any GPU, else PoCL's CPU device). The reader accepts a few spellings of each field so that it keeps
 * working while the engine's info document settles; unknown means "not reported", never "unsupported".
 */
import type { SyncName } from '../config/schemas.js';
import { SYNC_NAMES } from '../config/schemas.js';

/** One OpenCL device as the harness sees it. */
export interface DeviceSummary {
  platform: string;
  name: string;
  type: 'gpu' | 'cpu' | 'other';
  /** SVM capabilities in the contract's words: "coarse", "fine-buffer", "fine-system", "atomics". */
  svm: string[];
  /** Sync mechanisms that passed the engine's round trip; undefined when info does not say. */
  syncs?: SyncName[];
  /** Floats per native vector (CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT); undefined when info does not say. */
  nativeVectorWidthFloat?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function typeOf(raw: unknown): DeviceSummary['type'] {
  const t = (Array.isArray(raw) ? raw.join(' ') : str(raw)).toLowerCase();
  if (t.includes('gpu')) return 'gpu';
  if (t.includes('cpu')) return 'cpu';
  return 'other';
}

function svmOf(d: Obj): string[] {
  const raw = d.svm ?? d.svmCapabilities;
  if (Array.isArray(raw)) return raw.map((s) => String(s));
  if (isObj(raw)) {
    const out: string[] = [];
    if (raw.coarse ?? raw.coarseGrainBuffer) out.push('coarse');
    if (raw.fineBuffer ?? raw.fineGrainBuffer) out.push('fine-buffer');
    if (raw.fineSystem ?? raw.fineGrainSystem) out.push('fine-system');
    if (raw.atomics) out.push('atomics');
    return out;
  }
  return [];
}

function syncsOf(d: Obj): SyncName[] | undefined {
  const raw = d.syncs ?? d.syncMechanisms ?? d.sync;
  if (Array.isArray(raw)) {
    return raw.flatMap((s) => {
      if (typeof s === 'string') return SYNC_NAMES.includes(s as SyncName) ? [s as SyncName] : [];
      if (isObj(s) && SYNC_NAMES.includes(str(s.name) as SyncName) && (s.ok ?? s.works ?? s.supported ?? true) === true) {
        return [str(s.name) as SyncName];
      }
      return [];
    });
  }
  if (isObj(raw)) {
    return SYNC_NAMES.filter((name) => {
      const v = raw[name];
      return v === true || (isObj(v) && (v.ok ?? v.works ?? v.supported) === true);
    });
  }
  return undefined;
}

/** The device's native float vector width when its info has a positive one. */
function vectorWidthOf(d: Obj): Pick<DeviceSummary, 'nativeVectorWidthFloat'> {
  const w = d.nativeVectorWidthFloat;
  return typeof w === 'number' && Number.isInteger(w) && w > 0 ? { nativeVectorWidthFloat: w } : {};
}

/** Every OpenCL device listed in an engine info document. */
export function listDevices(info: unknown): DeviceSummary[] {
  if (!isObj(info)) return [];
  const platforms = (isObj(info.opencl) ? info.opencl.platforms : undefined) ?? info.platforms;
  const out: DeviceSummary[] = [];
  if (Array.isArray(platforms)) {
    for (const p of platforms) {
      if (!isObj(p)) continue;
      for (const d of Array.isArray(p.devices) ? p.devices : []) {
        if (!isObj(d)) continue;
        out.push({ platform: str(p.name), name: str(d.name), type: typeOf(d.type), svm: svmOf(d), syncs: syncsOf(d), ...vectorWidthOf(d) });
      }
    }
  }
  const flat = info.devices ?? (isObj(info.opencl) ? info.opencl.devices : undefined);
  if (out.length === 0 && Array.isArray(flat)) {
    for (const d of flat) {
      if (isObj(d)) out.push({ platform: str(d.platform), name: str(d.name), type: typeOf(d.type), svm: svmOf(d), syncs: syncsOf(d), ...vectorWidthOf(d) });
    }
  }
  return out;
}

/** The device a plan's selector would choose (first match in info order, GPU preferred for gpu-or-cpu). */
export function selectDevice(
  devices: DeviceSummary[], sel: { platformContains: string; deviceContains: string; deviceType: 'gpu' | 'cpu' | 'gpu-or-cpu' },
): DeviceSummary | undefined {
  const match = (d: DeviceSummary) => d.platform.includes(sel.platformContains) && d.name.includes(sel.deviceContains);
  const ofType = (t: 'gpu' | 'cpu') => devices.find((d) => match(d) && d.type === t);
  if (sel.deviceType === 'gpu-or-cpu') return ofType('gpu') ?? ofType('cpu');
  return ofType(sel.deviceType);
}

/** The local pick and why, in words for the user. */
export interface DevicePick {
  device: DeviceSummary;
  selector: { platformContains: string; deviceContains: string; deviceType: 'gpu' | 'cpu' };
  why: string;
}

/** Local rule: a GPU with fine-grained SVM, else any GPU, else a CPU device (PoCL); undefined if none. */
export function pickLocalDevice(devices: DeviceSummary[]): DevicePick | undefined {
  const fine = (d: DeviceSummary) => d.svm.includes('fine-buffer') || d.svm.includes('fine-system');
  const gpus = devices.filter((d) => d.type === 'gpu');
  const cpus = devices.filter((d) => d.type === 'cpu');
  const choose = (device: DeviceSummary, why: string): DevicePick => ({
    device, why, selector: { platformContains: device.platform, deviceContains: device.name, deviceType: device.type === 'gpu' ? 'gpu' : 'cpu' },
  });
  const fineGpu = gpus.find(fine);
  if (fineGpu) return choose(fineGpu, 'a GPU with fine-grained SVM (finish, event-poll, svm-coarse and svm-fine can be compared)');
  if (gpus[0]) return choose(gpus[0], `a GPU without fine-grained SVM (no GPU with it among ${devices.length} device(s)); svm-fine jobs will be skipped`);
  const pocl = cpus.find((d) => /portable computing language|pocl/i.test(d.platform)) ?? cpus[0];
  if (pocl) return choose(pocl, `no OpenCL GPU found; falling back to the CPU device "${pocl.name}" (the "GPU" side shares the CPU's cores)`);
  return undefined;
}

/**
 * Mechanisms the device can use, or undefined when info does not say (then nothing is skipped). Without the
 * engine's round trips the SVM capabilities decide; svm-resident needs what svm-fine needs (fine-grained SVM
 * with atomics). Whether the platform gives the device cores of its own, which svm-resident also needs, is
 * the planner's question (expand.ts, residentProblem).
 */
export function supportedSyncs(device: DeviceSummary | undefined): Set<SyncName> | undefined {
  if (!device) return undefined;
  if (device.syncs) return new Set(device.syncs);
  if (device.svm.length === 0) return undefined;
  const s = new Set<SyncName>(['finish', 'event-poll']);
  if (device.svm.includes('coarse')) s.add('svm-coarse');
  if ((device.svm.includes('fine-buffer') || device.svm.includes('fine-system')) && device.svm.includes('atomics')) {
    s.add('svm-fine');
    s.add('svm-resident');
  }
  return s;
}

/**
 * The mechanisms GPU variants run with, per layer type: by variant id, or by family (`<kernel>_*`, null when
 * the family entry restricts none), from info.layers.<type>.gpuVariants[].syncs and gpuVariantFamilies[].syncs.
 */
export type VariantSyncs = Record<'linear' | 'conv2d', Map<string, SyncName[] | null>>;

/**
 * The sync restrictions the engine's info gives its GPU variants: a variant whose entry carries `syncs` runs
 * with those mechanisms only (clblast works on cl_mem buffers: finish and event-poll; a variant of several
 * launches, such as im2col + gemm, cannot stay resident: no svm-resident). A variant without `syncs`, or
 * not listed and of no family, is unrestricted; an id of a family (`gpuVariantFamilies[]`: local-tile ids
 * outside the listed shortlist) takes the entry of the family whose kernel name is its longest prefix.
 */
export function variantSyncs(info: unknown): VariantSyncs {
  const out: VariantSyncs = { linear: new Map(), conv2d: new Map() };
  const layers = isObj(info) && isObj(info.layers) ? info.layers : undefined;
  const syncList = (v: Obj): SyncName[] | null =>
    (Array.isArray(v.syncs) ? v.syncs.filter((x): x is SyncName => SYNC_NAMES.includes(x as SyncName)) : null);
  for (const type of ['linear', 'conv2d'] as const) {
    const entry = layers && isObj(layers[type]) ? layers[type] : undefined;
    for (const f of Array.isArray(entry?.gpuVariantFamilies) ? entry.gpuVariantFamilies : []) {
      if (isObj(f) && str(f.kernel)) out[type].set(`${str(f.kernel)}_*`, syncList(f));
    }
    for (const v of Array.isArray(entry?.gpuVariants) ? entry.gpuVariants : []) {
      if (isObj(v) && str(v.id) && Array.isArray(v.syncs)) out[type].set(str(v.id), syncList(v));
    }
  }
  return out;
}

/** The mechanisms `variant` runs with on a layer type, or undefined when the engine's info restricts none. */
export function syncsOfVariant(table: VariantSyncs, type: 'linear' | 'conv2d', variant: string): SyncName[] | undefined {
  const byId = table[type].get(variant);
  if (byId) return byId;
  let best: { len: number; syncs: SyncName[] | null } | undefined;
  for (const [key, syncs] of table[type]) {
    if (!key.endsWith('_*')) continue;
    const prefix = key.slice(0, -1);
    if (variant.startsWith(prefix) && (!best || prefix.length > best.len)) best = { len: prefix.length, syncs };
  }
  return best?.syncs ?? undefined;
}

/** CPU implementations the engine says cannot run here, with its reason (info.cpu.impls: true or why not). */
export function unavailableCpuImpls(info: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const impls = isObj(info) && isObj(info.cpu) ? info.cpu.impls : undefined;
  if (isObj(impls)) {
    for (const [name, v] of Object.entries(impls)) {
      if (typeof v === 'string') out.set(name, v);
      else if (isObj(v)) for (const [inner, w] of Object.entries(v)) if (typeof w === 'string') out.set(inner, w);
    }
  }
  return out;
}
