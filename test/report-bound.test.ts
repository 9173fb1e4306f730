// The grid-search bound vs predictor-selected figure (src/report/bound-figure.ts): rows per layer and platform,
// the later run's row of a layer kept, one panel per layer kind with the paper's marks, and the two mark labels
// drawn apart (measured in the rendered SVG).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { boundFigure } from '../src/report/bound-figure.js';
import { loadRun } from '../src/report/render-run.js';
import { renderSvg } from '../src/report/render-figure.js';
import type { LayerRow } from '../src/results-schema/index.js';
import { RUN_SMALL } from './fixtures/make-run-small.js';

type Spec = { datasets: { rows: { platform: string; layer: string; bound: number; selected: number }[]; rules: { kind: string; value: number; side?: string; layerKind: string }[] }; vconcat: { title: { text: string } }[] };

test('one panel per kind, a row per layer and platform, a later run replacing an earlier one', async () => {
  const rows = (await loadRun(RUN_SMALL)).layers!.rows;
  const rerun = rows.map((r) => ({ ...r, speedupOracle: 1.7 }) as LayerRow);
  const spec = boundFigure([{ platform: 'a', rows }, { platform: 'b', rows }, { platform: 'a', rows: rerun }])!.spec as Spec;
  assert.is(spec.datasets.rows.length, rows.length * 2);
  assert.ok(spec.datasets.rows.filter((r) => r.platform === 'a').every((r) => r.bound === 1.7));
  assert.equal(spec.vconcat.map((p) => p.title.text), ['linear layers', 'conv2d layers']);
  const paper = spec.datasets.rules.filter((r) => r.kind === 'paper').map((r) => [r.layerKind, r.value, r.side]);
  assert.equal(paper, [['linear', 2.01, 'right'], ['linear', 1.89, 'left'], ['conv2d', 1.87, 'right'], ['conv2d', 1.75, 'left']]);
  assert.is(boundFigure([{ platform: 'a', rows: [] }]), undefined);
});

/** Text items of the SVG: content, x of the translate, anchor. */
function texts(svg: string): { text: string; x: number; y: number; anchor: string }[] {
  return [...svg.matchAll(/<text[^>]* text-anchor="(start|middle|end)" transform="translate\(([-0-9.]+),([-0-9.]+)\)"[^>]*>([^<]*)<\/text>/g)]
    .map((m) => ({ anchor: m[1]!, x: Number(m[2]), y: Number(m[3]), text: m[4]! }));
}

test('the paper labels point away from each other on one line, so they never overlap', async () => {
  const rows = (await loadRun(RUN_SMALL)).layers!.rows;
  const svg = await renderSvg(boundFigure([{ platform: 'p', rows }])!.spec);
  const t = texts(svg);
  for (const [hi, lo] of [['paper grid search 2.01x', 'paper selected 1.89x'], ['paper grid search 1.87x', 'paper selected 1.75x']]) {
    const right = t.find((x) => x.text === hi)!;
    const left = t.find((x) => x.text === lo)!;
    assert.ok(right && left, `${hi} / ${lo} drawn`);
    assert.is(right.anchor, 'start');
    assert.is(left.anchor, 'end');
    assert.is(right.y, left.y);
    assert.ok(left.x < right.x, `${lo} ends at ${left.x}, ${hi} starts at ${right.x}`);
  }
});

test.run();
