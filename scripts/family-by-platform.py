#!/usr/bin/env python3
"""Which model family should 'auto' select with, per platform? Pools the per-layer grid q of every family's held-out
choice from `node scripts/family-selection.mjs RUN... --json F` files (their results[].gridQByLayer) and prints,
per platform and layer kind (and over all runs), the geomean grid q of:
  - each family, fixed;
  - lolo: per layer, the family with the best geomean over the run's OTHER layers (the run's own evidence);
  - loro: per run, the family with the best geomean over the OTHER runs of its platform and layer kind;
then, per platform, how many runs the baseline beats forest-residual in and the mean log ratio with its
standard error. stdlib only.

usage: python3 scripts/family-by-platform.py FAMILY_SELECTION.json...
"""
import collections
import json
import math
import sys

DEFAULT = 'forest-residual'


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float('nan')


def kind_of(run):
    return 'conv' if 'conv-coexec' in run['run'] else 'linear'


def best_family(layers, families):
    """The family with the highest geomean q over `layers` (ties to DEFAULT, then by name)."""
    return max(sorted(families), key=lambda f: (geomean([l['q'][f] for l in layers]), f == DEFAULT))


def lolo(run, families):
    layers = run['gridQByLayer']
    return [l['q'][best_family([o for o in layers if o is not l], families) if len(layers) > 1 else DEFAULT] for l in layers]


def loro(run, runs, families):
    others = [r for r in runs if r is not run and r['platform'] == run['platform'] and kind_of(r) == kind_of(run)]
    family = best_family([l for r in others for l in r['gridQByLayer']], families) if others else DEFAULT
    return [l['q'][family] for l in run['gridQByLayer']]


def main(paths):
    runs = [r for p in paths for r in json.load(open(p))['results'] if r.get('gridQByLayer')]
    if not runs:
        sys.exit('family-by-platform: no results with gridQByLayer (regenerate with scripts/family-selection.mjs --json)')
    families = sorted({f for r in runs for f in r['gridQByLayer'][0]['q']})
    cells = collections.defaultdict(lambda: collections.defaultdict(list))
    counts = collections.Counter()
    for r in runs:
        for key in [(r['platform'], kind_of(r)), (r['platform'], '*'), ('all', '*')]:
            counts[key] += 1
            for f in families:
                cells[key][f] += [l['q'][f] for l in r['gridQByLayer']]
            cells[key]['lolo'] += lolo(r, families)
            cells[key]['loro'] += loro(r, runs, families)
    cols = families + ['lolo', 'loro']
    print('| platform | kind | runs | layers | ' + ' | '.join(cols) + ' |')
    print('| --- | --- | --- | --- |' + ' --- |' * len(cols))
    for key in sorted(cells):
        c = cells[key]
        print(f'| {key[0]} | {key[1]} | {counts[key]} | {len(c["lolo"])} | ' + ' | '.join(f'{geomean(c[x]):.3f}' for x in cols) + ' |')
    print('\nbaseline against forest-residual, per run (geomean grid q over the run\'s layers):\n')
    print('| platform | runs | baseline ahead | forest-residual ahead | tied | mean log(baseline / forest-residual) | standard error |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for platform in sorted({r['platform'] for r in runs}):
        logs = [math.log(geomean([l['q']['baseline'] for l in r['gridQByLayer']]) / geomean([l['q'][DEFAULT] for l in r['gridQByLayer']]))
                for r in runs if r['platform'] == platform]
        n = len(logs)
        mean = sum(logs) / n
        se = (sum((x - mean) ** 2 for x in logs) / (n - 1)) ** 0.5 / n ** 0.5 if n > 1 else float('nan')
        ahead = sum(x > 1e-9 for x in logs)
        behind = sum(x < -1e-9 for x in logs)
        print(f'| {platform} | {n} | {ahead} | {behind} | {n - ahead - behind} | {mean:.4f} | {se:.4f} |')


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    main(sys.argv[1:])
