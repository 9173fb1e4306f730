#!/usr/bin/env python3
"""Per layer of co-execution runs, how close each sync mechanism's best co-executed strategy comes to the best
of all: grid medians of VALID jobs with both sides in use (0 < splitRatio < 1), best over every other setting,
printed as oracle latency / the mechanism's best (1.00 = the mechanism holds the oracle). Issue 14 asks for
`svm-fine` among the winning mechanisms on pocl-split; this says where it stands beside svm-resident (the
same fine-grained SVM buffers under a kernel launched once per job) and the launched mechanisms.
  python3 scripts/mechanism-best.py RUN_DIR...
Reads RUN_DIR/jobs.json; prints a markdown table per run; writes nothing."""
import json
import sys


def layer_name(layer):
    if layer['type'] == 'linear':
        return f"M{layer['M']} N{layer['N']} K{layer['K']}"
    return f"C{layer['C']} {layer['H']}x{layer['W']} F{layer['F']} {layer['R']}x{layer['S']}"


def best_by_mechanism(rows):
    best = {}
    for j in rows:
        s = j.get('strategy') or {}
        if j.get('kind') != 'layer' or j.get('verdict') != 'VALID' or j.get('phase') != 'grid' or not j.get('stats'):
            continue
        if not 0 < s.get('splitRatio', 0) < 1:
            continue
        mine = best.setdefault(layer_name(j['layer']), {})
        t = j['stats']['medianNs']
        if t < mine.get(s['sync'], float('inf')):
            mine[s['sync']] = t
    return best


def main(runs):
    if not runs:
        print(__doc__, file=sys.stderr)
        return 2
    for run in runs:
        try:
            with open(f'{run}/jobs.json') as f:
                rows = json.load(f)['rows']
        except (OSError, ValueError, KeyError) as e:
            print(f'mechanism-best: {run}: cannot read jobs.json ({e})', file=sys.stderr)
            return 1
        best = best_by_mechanism(rows)
        mechanisms = sorted({m for b in best.values() for m in b})
        print(f'\n{run}\n\n| layer | ' + ' | '.join(mechanisms) + ' |\n|' + ' --- |' * (len(mechanisms) + 1))
        for name, b in best.items():
            oracle = min(b.values())
            cells = [f'{oracle / b[m]:.2f}' if m in b else '-' for m in mechanisms]
            print(f'| {name} | ' + ' | '.join(cells) + ' |')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
