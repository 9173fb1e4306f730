#!/usr/bin/env python3
"""Compare run folders' derived/ files at a base git revision with the working tree: per run, the best family's
held-out MAPE of the CPU and GPU sides and of the composed latency (derived/predictor-accuracy.json) and the geomean
and worst q over the decided layers (derived/layers.json); then the mean of each over the runs of each platform.
Prints Markdown tables; a run missing either file at either side is left out.
Used to report what a predictor change did to the shipped runs after `coexec derive` rewrote them.

usage: python3 scripts/derived-compare.py BASE_REV RUN_DIR...
"""
import json
import math
import subprocess
import sys


def load(path, rev=None):
    if rev:
        return json.loads(subprocess.check_output(['git', 'show', f'{rev}:{path}'], text=True, stderr=subprocess.DEVNULL))
    with open(path) as f:
        return json.load(f)


def best(acc, side):
    rows = [r for r in acc['rows'] if r['side'] == side]
    return min(rows, key=lambda r: r['mape']) if rows else None


def quality(layers):
    qs = [r['decisionQuality'] for r in layers['rows'] if r.get('decisionQuality')]
    return (math.exp(sum(math.log(q) for q in qs) / len(qs)), min(qs)) if qs else None


def cell(row):
    return f"{row['mape']:.1f} ({row['model']})" if row else '-'


def qcell(q):
    return f'{q[0]:.3f} / {q[1]:.3f}' if q else '-'


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    rev, runs = argv[0], argv[1:]
    print(f'| run | CPU MAPE, best family: {rev} -> now | GPU: {rev} -> now | composed: {rev} -> now | q geomean / worst: {rev} -> now |')
    print('| --- | --- | --- | --- | --- |')
    means = {}
    for run in runs:
        run = run.rstrip('/')
        try:
            before, after = load(f'{run}/derived/predictor-accuracy.json', rev), load(f'{run}/derived/predictor-accuracy.json')
        except (subprocess.CalledProcessError, FileNotFoundError):
            continue
        try:
            q0, q1 = quality(load(f'{run}/derived/layers.json', rev)), quality(load(f'{run}/derived/layers.json'))
        except (subprocess.CalledProcessError, FileNotFoundError):
            q0 = q1 = None
        name = '/'.join(run.split('/')[-2:])
        print(f"| {name} | {cell(best(before, 'cpu'))} -> {cell(best(after, 'cpu'))} | "
              f"{cell(best(before, 'gpu'))} -> {cell(best(after, 'gpu'))} | "
              f"{cell(best(before, 'composed'))} -> {cell(best(after, 'composed'))} | {qcell(q0)} -> {qcell(q1)} |")
        per = means.setdefault(run.split('/')[-2], [])
        per.append([v for pair in ((best(before, side), best(after, side)) for side in ('cpu', 'composed')) for v in
                    (r['mape'] if r else math.nan for r in pair)] + [q0[0] if q0 else math.nan, q1[0] if q1 else math.nan])
    print(f'\n| platform | runs | CPU MAPE: {rev} -> now | composed MAPE | q geomean |')
    print('| --- | --- | --- | --- | --- |')
    for platform, rows in sorted(means.items()):
        m = [sum(c) / len(c) if c else math.nan for c in ([r[i] for r in rows if not math.isnan(r[i])] for i in range(6))]
        print(f'| {platform} | {len(rows)} | {m[0]:.2f} -> {m[1]:.2f} | {m[2]:.2f} -> {m[3]:.2f} | {m[4]:.3f} -> {m[5]:.3f} |')


if __name__ == '__main__':
    main(sys.argv[1:])
