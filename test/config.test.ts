// Shipped configs are valid and rich enough; every broken fixture fails with its expected one-line message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { collectConfigProblems, loadConfigs } from '../src/config/load.js';
import { planPhase } from '../src/plan/expand.js';
import { UserError } from '../src/messages.js';

const ROOT = resolve(process.cwd());
const BROKEN = join(ROOT, 'test/fixtures/configs-broken');

test('every shipped config is valid', () => {
  const { problems } = collectConfigProblems(ROOT);
  assert.equal(problems, []);
});

test('workloads: >= 20 linear and >= 20 conv2d shapes from >= 5 models, with M > 1 and non-square kernels', () => {
  const c = loadConfigs(ROOT);
  const all = [...c.workloads.values()];
  const linear = all.filter((w) => w.layer.type === 'linear');
  const conv = all.filter((w) => w.layer.type === 'conv2d');
  assert.ok(linear.length >= 20, `${linear.length} linear`);
  assert.ok(conv.length >= 20, `${conv.length} conv2d`);
  assert.ok(new Set(all.map((w) => w.model)).size >= 5);
  assert.ok(linear.some((w) => w.layer.type === 'linear' && w.layer.M >= 8 && w.layer.M <= 128));
  assert.ok(conv.some((w) => w.layer.type === 'conv2d' && w.layer.R !== w.layer.S));
});

test('the four experiments and both profiles exist; platforms are the required set', () => {
  const c = loadConfigs(ROOT);
  assert.equal([...c.experiments.keys()].sort(), ['conv-coexec', 'linear-coexec', 'predictor-accuracy', 'sync-overhead']);
  assert.ok(c.profiles.has('quick') && c.profiles.has('full'));
  for (const name of ['local', 'local-split', 'ssh-example', 'pixel5', 'gpu-host', 'pocl-split']) assert.ok(c.platforms.has(name), name);
  assert.ok([...c.platforms.values()].filter((p) => p.kind === 'adb').length >= 4);
  assert.equal([...c.platforms.values()].filter((p) => p.tested).map((p) => p.name), ['local']);
});

test('the split PoCL platforms give the device cores of its own and exactly one PoCL worker per device core', () => {
  const c = loadConfigs(ROOT);
  for (const name of ['local-split', 'pocl-split']) {
    const p = c.platforms.get(name)!;
    const device = p.opencl.deviceCores ?? [];
    assert.ok(device.length > 0, name);
    assert.ok(!device.some((core) => p.cpu.cores.includes(core)), `${name}: device and CPU side share a core`);
    assert.is(p.env?.POCL_MAX_PTHREAD_COUNT, String(device.length), name);
    assert.is(p.env?.POCL_CPU_MAX_CU_NUM, String(device.length), name);
    assert.is(p.env?.POCL_AFFINITY, '1', name);
  }
});

test('every experiment expands every planned phase under every profile without a warning', () => {
  const c = loadConfigs(ROOT);
  for (const profile of c.profiles.values()) {
    for (const exp of c.experiments.values()) {
      // The full grids are tens of thousands of jobs: expanding them is checked by hand, not in CI.
      for (const phase of exp.phases.filter((p) => p !== 'confirm' && !(profile.name === 'full' && p === 'grid'))) {
        const plan = planPhase(exp, profile, c.platforms.get('local')!, phase, { configs: c });
        assert.ok(plan.engine.jobs.length > 0, `${profile.name}/${exp.id}/${phase}`);
        for (const s of plan.skipped) assert.match(s.reason, /requires/, `${profile.name}/${exp.id}/${phase}: ${s.reason}`);
      }
    }
  }
});

/** Copies the shipped tree, overlays a fixture and returns the problems found. */
function problemsWith(fixture: string): string[] {
  const t = mkdtempSync(join(tmpdir(), 'coexec-cfg-'));
  try {
    cpSync(join(ROOT, 'configs'), join(t, 'configs'), { recursive: true });
    cpSync(join(ROOT, 'experiments'), join(t, 'experiments'), { recursive: true });
    for (const sub of readdirSync(join(BROKEN, fixture))) {
      if (sub !== 'expected.txt') cpSync(join(BROKEN, fixture, sub), join(t, sub), { recursive: true });
    }
    return collectConfigProblems(t).problems;
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
}

const fixtures = readdirSync(BROKEN).sort();
test('at least 20 broken fixtures', () => {
  assert.ok(fixtures.length >= 20, `${fixtures.length}`);
});

for (const fixture of fixtures) {
  test(`broken config ${fixture}: exactly its expected message`, () => {
    const expected = readFileSync(join(BROKEN, fixture, 'expected.txt'), 'utf8').trim();
    const problems = problemsWith(fixture);
    assert.is(problems.length, 1, problems.join('\n'));
    if (expected.endsWith('...')) assert.ok(problems[0]!.startsWith(expected.slice(0, -3)), problems[0]);
    else assert.is(problems[0], expected);
    assert.not.match(problems[0]!, /\n|at .*\.js:\d+/);
  });
}

test('loadConfigs throws a UserError naming the first problem and how many more', () => {
  const t = mkdtempSync(join(tmpdir(), 'coexec-cfg-'));
  try {
    cpSync(join(ROOT, 'configs'), join(t, 'configs'), { recursive: true });
    cpSync(join(ROOT, 'experiments'), join(t, 'experiments'), { recursive: true });
    cpSync(join(BROKEN, 'platform-bad-kind/configs'), join(t, 'configs'), { recursive: true });
    cpSync(join(BROKEN, 'space-bad-sync/configs'), join(t, 'configs'), { recursive: true });
    try {
      loadConfigs(t);
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, UserError);
      assert.is((err as Error).message, 'configs/platforms/broken.json: /kind: expected one of "local", "ssh", "adb", "bundle", found "usb" (and 1 more problem)');
    }
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
});

test.run();
