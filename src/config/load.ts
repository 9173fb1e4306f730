/**
 * Loads and checks every config the harness reads: configs/{platforms,workloads,profiles,spaces}/*.json and
 * experiments/*.json. Each file is checked against its schema, then against the others (experiment ->
 * workloads and space, profile -> experiments, workloads and space values). Problems are one-line
 * messages naming the file and JSON path; loadConfigs throws the first as a UserError.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';
import { createHash } from 'node:crypto';
import Ajv2020Module, { type ValidateFunction } from 'ajv/dist/2020.js';
import type { TSchema } from '@sinclair/typebox';
import {
  PlatformConfig, WorkloadFile, SpaceConfig, ProfileConfig, ExperimentConfig, SPLIT_DIMS,
  type Workload, type Layer,
} from './schemas.js';
import { formatErrors } from './errors.js';
import { msg, UserError } from '../messages.js';
import { expandVariantFamilies, familyProblem, resolveVectorWidth } from '../plan/gpu-variants.js';
import { layerId as layerIdOf } from '../plan/ids.js';

const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
const ajv = new Ajv2020({ allErrors: false, verbose: true, strict: false });
const compiled = new Map<object, ValidateFunction>();
function compile(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) { v = ajv.compile(schema); compiled.set(schema, v); }
  return v;
}

/** Everything loaded, keyed by name/id, with the file each came from and its SHA-256. */
export interface Configs {
  root: string;
  platforms: Map<string, PlatformConfig>;
  workloads: Map<string, Workload>;
  spaces: Map<string, SpaceConfig>;
  profiles: Map<string, ProfileConfig>;
  experiments: Map<string, ExperimentConfig>;
  /** Relative path ('/'-separated) -> SHA-256 of the file's bytes, for the manifest. */
  hashes: Record<string, string>;
}

interface Loaded<T> { file: string; doc: T }

/** Reads and schema-checks every file of one folder; problems go into `problems`. */
function loadFolder<T>(root: string, rel: string, schema: TSchema, problems: string[], hashes: Record<string, string>): Loaded<T>[] {
  const dir = join(root, rel);
  if (!existsSync(dir)) return [];
  const out: Loaded<T>[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const file = `${rel}/${name}`;
    const bytes = readFileSync(join(dir, name));
    hashes[file] = createHash('sha256').update(bytes).digest('hex');
    let doc: unknown;
    try { doc = JSON.parse(bytes.toString('utf8')); } catch (err) {
      problems.push(msg.configNotJson(file, (err as Error).message)); continue;
    }
    const validate = compile(schema);
    if (!validate(doc)) { problems.push(formatErrors(file, doc, validate.errors ?? [], compile)); continue; }
    out.push({ file, doc: doc as T });
  }
  return out;
}

function outDim(layer: Layer): number { return layer.type === 'linear' ? layer.N : layer.F; }

/** All problems found in the config tree under root (empty when everything is valid). */
export function collectConfigProblems(root: string): { problems: string[]; configs: Configs } {
  const problems: string[] = [];
  const hashes: Record<string, string> = {};
  const configs: Configs = {
    root, hashes, platforms: new Map(), workloads: new Map(), spaces: new Map(), profiles: new Map(), experiments: new Map(),
  };
  const stem = (file: string) => basename(file, '.json');

  for (const { file, doc } of loadFolder<PlatformConfig>(root, 'configs/platforms', PlatformConfig, problems, hashes)) {
    if (doc.name !== stem(file)) { problems.push(msg.configNameMismatch(file, 'name', doc.name, stem(file))); continue; }
    const needs = doc.kind === 'ssh' ? 'ssh' : doc.kind === 'adb' ? 'adb' : undefined;
    if (needs && !doc[needs]) { problems.push(msg.configInvalid(file, `/${needs}`, `an object (required for kind "${doc.kind}")`, undefined)); continue; }
    // The driver core is reserved: a CPU-slice worker on it would stall behind the driver (issue 12).
    if (doc.cpu.driverCore !== undefined && doc.cpu.cores.includes(doc.cpu.driverCore)) {
      problems.push(msg.configInvalid(file, '/cpu/driverCore', 'a core not listed in /cpu/cores (it is reserved for the GPU-driver thread)', doc.cpu.driverCore));
      continue;
    }
    // The engine keeps the device's cores awake only where it knows them (contract section 3).
    if (doc.opencl.keepDeviceCoresAwake === true && doc.opencl.deviceCores === undefined) {
      problems.push(msg.configInvalid(file, '/opencl/keepDeviceCoresAwake', 'false, or set together with /opencl/deviceCores (the cores to keep awake)', true));
      continue;
    }
    configs.platforms.set(doc.name, doc);
  }
  const workloadFile = new Map<string, string>();
  for (const { file, doc } of loadFolder<WorkloadFile>(root, 'configs/workloads', WorkloadFile, problems, hashes)) {
    if (doc.model !== stem(file)) { problems.push(msg.configNameMismatch(file, 'model', doc.model, stem(file))); continue; }
    doc.workloads.forEach((w, i) => {
      const path = `/workloads/${i}/id`;
      if (!w.id.startsWith(`${doc.model}/`)) problems.push(msg.configInvalid(file, path, `an id starting with "${doc.model}/"`, w.id));
      else if (workloadFile.has(w.id)) problems.push(msg.duplicateId(file, path, w.id, workloadFile.get(w.id)!));
      else {
        const l = w.layer;
        if (l.type === 'conv2d' && (l.H + 2 * l.padH < l.R || l.W + 2 * l.padW < l.S)) {
          problems.push(msg.configInvalid(file, `/workloads/${i}/layer`, 'a kernel no larger than the padded input', l));
          return;
        }
        workloadFile.set(w.id, file);
        configs.workloads.set(w.id, { ...w, model: doc.model, file });
      }
    });
  }
  for (const { file, doc } of loadFolder<SpaceConfig>(root, 'configs/spaces', SpaceConfig, problems, hashes)) {
    if (doc.name !== stem(file)) { problems.push(msg.configNameMismatch(file, 'name', doc.name, stem(file))); continue; }
    const family = doc.gpuVariants.findIndex((v) => familyProblem(v, doc.layerType));
    if (family >= 0) {
      problems.push(msg.configInvalid(file, `/gpuVariants/${family}/id`, familyProblem(doc.gpuVariants[family]!, doc.layerType)!, doc.gpuVariants[family]!.id));
      continue;
    }
    const foreignDim = (doc.splitDims ?? []).findIndex((d) => !SPLIT_DIMS[doc.layerType].includes(d));
    if (foreignDim >= 0) {
      problems.push(msg.configInvalid(file, `/splitDims/${foreignDim}`, `a split dimension of ${doc.layerType} (${SPLIT_DIMS[doc.layerType].join(' | ')})`, doc.splitDims![foreignDim]));
      continue;
    }
    const space = expandVariantFamilies(doc);
    const seen = new Set<string>();
    const dup = space.gpuVariants.findIndex((v) => seen.has(v.id) || !seen.add(v.id));
    if (dup >= 0) {
      // Without families the expanded list is the file's own, so the index points at the entry.
      problems.push(msg.duplicateId(file, space === doc ? `/gpuVariants/${dup}/id` : '/gpuVariants', space.gpuVariants[dup]!.id, file));
      continue;
    }
    configs.spaces.set(doc.name, space);
  }
  const experiments = loadFolder<ExperimentConfig>(root, 'experiments', ExperimentConfig, problems, hashes);
  for (const { file, doc } of experiments) {
    if (doc.id !== stem(file)) { problems.push(msg.configNameMismatch(file, 'id', doc.id, stem(file))); continue; }
    const before = problems.length;
    checkExperiment(file, doc, configs, problems);
    if (problems.length === before) configs.experiments.set(doc.id, doc);
  }
  for (const { file, doc } of loadFolder<ProfileConfig>(root, 'configs/profiles', ProfileConfig, problems, hashes)) {
    if (doc.name !== stem(file)) { problems.push(msg.configNameMismatch(file, 'name', doc.name, stem(file))); continue; }
    const before = problems.length;
    checkProfile(file, doc, configs, problems, experiments.map((e) => e.doc.id));
    if (problems.length === before) configs.profiles.set(doc.name, doc);
  }
  return { problems, configs };
}

function checkExperiment(file: string, doc: ExperimentConfig, configs: Configs, problems: string[]): void {
  const known = [...configs.workloads.keys()];
  doc.workloads.forEach((id, i) => {
    const w = configs.workloads.get(id);
    if (!w) problems.push(msg.unknownReference(file, `/workloads/${i}`, 'workload ids', id, known));
    else if (doc.layerType !== 'any' && w.layer.type !== doc.layerType) {
      problems.push(msg.layerTypeMismatch(file, `/workloads/${i}`, doc.layerType, id, w.layer.type));
    }
  });
  (doc.heldOut ?? []).forEach((id, i) => {
    if (!doc.workloads.includes(id)) problems.push(msg.unknownReference(file, `/heldOut/${i}`, "experiment's workloads", id, doc.workloads));
  });
  const spaceRefs: [string, string, string][] = [['/space', doc.space, doc.layerType]];
  if (doc.spaces?.linear) spaceRefs.push(['/spaces/linear', doc.spaces.linear, 'linear']);
  if (doc.spaces?.conv2d) spaceRefs.push(['/spaces/conv2d', doc.spaces.conv2d, 'conv2d']);
  for (const [path, name, type] of spaceRefs) {
    const space = configs.spaces.get(name);
    if (!space) problems.push(msg.unknownReference(file, path, 'spaces', name, [...configs.spaces.keys()]));
    else if (type !== 'any' && space.layerType !== type) {
      problems.push(msg.configInvalid(file, path, `a ${type} space`, `${name} (a ${space.layerType} space)`));
    }
  }
  if (doc.phases.includes('confirm') && !doc.phases.includes('grid')) {
    problems.push(msg.configInvalid(file, '/phases', 'phase "grid" before "confirm" (confirm re-measures grid strategies)', doc.phases));
  }
}

function checkProfile(file: string, doc: ProfileConfig, configs: Configs, problems: string[], experimentIds: string[]): void {
  const m = doc.measurement;
  if (m.minSamples > m.maxSamples) {
    problems.push(msg.configInvalid(file, '/measurement/maxSamples', `integer >= minSamples (${m.minSamples})`, m.maxSamples));
  }
  if (doc.validity.minSamples > m.maxSamples) {
    problems.push(msg.configInvalid(file, '/validity/minSamples', `integer <= measurement.maxSamples (${m.maxSamples})`, doc.validity.minSamples));
  }
  for (const [expId, over] of Object.entries(doc.experiments)) {
    const base = `/experiments/${expId.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const exp = configs.experiments.get(expId);
    if (!exp) {
      problems.push(msg.unknownReference(file, base, 'experiments', expId, experimentIds));
      continue;
    }
    (over.workloads ?? []).forEach((id, i) => {
      if (!exp.workloads.includes(id)) problems.push(msg.unknownReference(file, `${base}/workloads/${i}`, `workloads of experiment "${expId}"`, id, exp.workloads));
    });
    checkTrainingWorkloads(file, base, expId, exp, over, configs, problems);
    const names = [exp.space, exp.spaces?.linear, exp.spaces?.conv2d].filter((n): n is string => !!n);
    const spaces = [...new Set(names)].map((n) => configs.spaces.get(n)).filter((s): s is NonNullable<typeof s> => !!s);
    if (spaces.length === 0 || !over.space) continue;
    const cpuImpls = spaces.flatMap((s) => s.cpuImpls);  // a baseline implementation is one of the space's too
    const allowed: Record<string, unknown[]> = {
      splitRatios: spaces.flatMap((s) => s.splitRatios), cpuThreads: spaces.flatMap((s) => s.cpuThreads),
      cpuImpls, baselineCpuImpls: cpuImpls, gpuVariants: spaces.flatMap((s) => s.gpuVariants.map((v) => v.id)),
      workGroups: spaces.flatMap((s) => s.gpuVariants.flatMap((v) => v.workGroups)), syncs: spaces.flatMap((s) => s.syncs),
      splitDims: spaces.flatMap((s) => s.splitDims ?? [SPLIT_DIMS[s.layerType][0]!]),
    };
    for (const [key, values] of Object.entries(over.space)) {
      // gpuStreams levels are set by the profile (the spaces list none); only a space that lists some narrows them.
      if (key === 'gpuStreamsMaxSplitRatio') continue;
      if (key === 'gpuStreams' && !spaces.some((s) => s.gpuStreams)) continue;
      if (key === 'gpuStreams') allowed.gpuStreams = spaces.flatMap((s) => s.gpuStreams ?? [1]);
      (values as unknown[]).forEach((value, i) => {
        // A "v*" variant (its vector width left to the device) narrows when the space has it at some width; any
        // other id must be one of the space's (resolveVectorWidth returns such an id as it is, listed or not).
        const known = key === 'gpuVariants' && typeof value === 'string'
          ? resolveVectorWidth(value, allowed.gpuVariants as string[]).some((id) => allowed.gpuVariants!.includes(id))
          : allowed[key]!.includes(value);
        if (!known) {
          problems.push(msg.spaceNotNarrowing(file, `${base}/space/${key}/${i}`, value, spaces.map((s) => s.name).join('" or "')));
        }
      });
    }
  }
}

/**
 * A profile's training-only workloads: the experiment's own, and none with the shape of a measured one (a
 * shape is held out whole; one both measured and trained on would be tested on its own data).
 */
function checkTrainingWorkloads(
  file: string, base: string, expId: string, exp: ExperimentConfig, over: ProfileConfig['experiments'][string], configs: Configs, problems: string[],
): void {
  const measured = new Map((over.workloads ?? exp.workloads).map((id) => {
    const w = configs.workloads.get(id);
    return [w ? layerIdOf(w.layer) : id, id] as const;
  }));
  (over.trainingWorkloads ?? []).forEach((id, i) => {
    const path = `${base}/trainingWorkloads/${i}`;
    if (!exp.workloads.includes(id)) {
      problems.push(msg.unknownReference(file, path, `workloads of experiment "${expId}"`, id, exp.workloads));
      return;
    }
    const w = configs.workloads.get(id);
    const twin = w ? measured.get(layerIdOf(w.layer)) : undefined;
    if (twin !== undefined) problems.push(msg.configInvalid(file, path, `a workload whose layer shape no measured workload has (${twin} has it)`, id));
  });
}

/** Loads the whole config tree under root, or throws a UserError naming the first problem. */
export function loadConfigs(root: string): Configs {
  const { problems, configs } = collectConfigProblems(root);
  if (problems.length > 0) {
    throw new UserError(problems.length === 1 ? problems[0]! : `${problems[0]} (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`);
  }
  return configs;
}

export { outDim };
