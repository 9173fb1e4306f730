#!/usr/bin/env python3
"""Compare run folders' derived/ files at a base git revision with the working tree: per run, the best family's
held-out MAPE of the CPU and GPU sides (derived/predictor-accuracy.json) and the geomean and worst q over the
decided layers (derived/layers.json). Prints a Markdown table; a run missing either file at either side is left out.
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
    print(f'| run | CPU MAPE, best family: {rev} -> now | GPU: {rev} -> now | q geomean / worst: {rev} -> now |')
    print('| --- | --- | --- | --- |')
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
              f"{cell(best(before, 'gpu'))} -> {cell(best(after, 'gpu'))} | {qcell(q0)} -> {qcell(q1)} |")


if __name__ == '__main__':
    main(sys.argv[1:])
