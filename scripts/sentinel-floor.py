#!/usr/bin/env python3
"""Does a sentinel job tell which grid jobs a disturbed host slowed? Reads measurements of one grid with a fixed
sentinel job measured after every 15 jobs (results/benchmarks/sentinel-grids-*/<x>-results.json.gz: the result
lines in run order, trimmed to jobId, phase, status, medianNs, stealPct, stealTicks). Prints each measurement's
sentinel series (each over its median), then, per threshold T, the grid jobs flagged (a bracketing sentinel
over T x its median, or the harness's steal rule: > 1% with 3 or more ticks) and the floor of decision quality
with the flagged jobs of both measurements left out: per ordered pair, the first's grid choice scored in the
second's grid (geomean / worst over layers), and the geomean over pairs. Every job with a
result counts, VALID or not: the harness's CI rule is not applied to these trimmed lines.
usage: python3 scripts/sentinel-floor.py DIR"""
import glob, gzip, json, math, os, statistics, sys

if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
    sys.exit(__doc__)
runs = {}
for path in sorted(glob.glob(os.path.join(sys.argv[1], '*-results.json.gz'))):
    with gzip.open(path, 'rt') as f:
        doc = json.load(f)
    runs[doc['measurement']] = doc['rows']
if len(runs) < 2:
    sys.exit(f'need two or more <x>-results.json.gz in {sys.argv[1]}')

def is_sentinel(r):
    return r['phase'] == 'sentinel'

def refused_for_steal(r):
    return (r.get('stealPct') or 0) > 1 and (r.get('stealTicks') or 0) >= 3

def flagged(rows, threshold):
    """Grid job ids flagged in one measurement (threshold None: none)."""
    if threshold is None:
        return set()
    at = [i for i, r in enumerate(rows) if is_sentinel(r)]
    typical = statistics.median(rows[i]['medianNs'] for i in at)
    out = set()
    for a, b in zip(at, at[1:]):
        disturbed = max(rows[a]['medianNs'], rows[b]['medianNs']) > threshold * typical
        out.update(r['jobId'] for r in rows[a + 1:b] if disturbed or refused_for_steal(r))
    return out

def grid(rows, left_out):
    g = {}
    for r in rows:
        if r['phase'] == 'grid' and r['status'] == 'ok' and r['medianNs'] and r['jobId'] not in left_out:
            g.setdefault(r['jobId'].split('/r:')[0], {})[r['jobId']] = r['medianNs']
    return g

def floor(chooser, scorer):
    qs = []
    for layer, mine in chooser.items():
        theirs = scorer.get(layer, {})
        common = set(mine) & set(theirs)
        if common:
            choice = min(common, key=lambda k: mine[k])
            qs.append(min(theirs[k] for k in common) / theirs[choice])
    return math.exp(sum(map(math.log, qs)) / len(qs)), min(qs)

for name, rows in runs.items():
    sentinels = [r['medianNs'] for r in rows if is_sentinel(r)]
    typical = statistics.median(sentinels)
    print(f'{name}: {len(sentinels)} sentinels, median {typical / 1e3:.1f} us, over 1.3x: {sum(s > 1.3 * typical for s in sentinels)}, max {max(sentinels) / typical:.2f}x')
print('\n| sentinel threshold | grid jobs flagged per measurement | floor per ordered pair (geomean / worst) | geomean |\n| --- | --- | --- | --- |')
for threshold in [None, 2.0, 1.5, 1.3, 1.2]:
    flags = {name: flagged(rows, threshold) for name, rows in runs.items()}
    pairs = []
    for x in runs:
        for y in runs:
            if x != y:
                left_out = flags[x] | flags[y]
                pairs.append((f'{x} in {y}', floor(grid(runs[x], left_out), grid(runs[y], left_out))))
    counts = ', '.join(str(sum(1 for r in runs[n] if r['phase'] == 'grid' and r['jobId'] in flags[n])) for n in runs)
    overall = math.exp(sum(math.log(p[1][0]) for p in pairs) / len(pairs))
    print(f"| {'none' if threshold is None else f'{threshold}x'} | {counts} | {' '.join(f'{label} {q:.3f}/{w:.2f}' for label, (q, w) in pairs)} | {overall:.3f} |")
