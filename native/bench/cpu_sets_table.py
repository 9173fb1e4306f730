#!/usr/bin/env python3
"""Tabulates coexec-cpu-bench JSON files written by the probes that run the same bench under several settings
(native/bench/cpu-halves-probe.sh, cpu-scaling-probe.sh): files NAME-rROUND.json, from a folder or a .tgz of one.
Per layer and implementation, each setting's median latency in us, the fastest over rounds (a round's median
is what the bench reports; the fastest over rounds keeps a setting's time from a disturbed round), and, where
the settings scale-t1 and scale-tN exist, the parallel efficiency t1 / (N x tN).

usage: python3 native/bench/cpu_sets_table.py FOLDER_OR_TGZ [SETTING...]   (default: every setting, sorted)
"""
import collections
import io
import json
import re
import sys

from bench_files import read_files


def read_sets(source):
    """{setting: {(layer, impl): [median us per round]}} from NAME-rROUND.json files."""
    files = read_files(source)
    sets = collections.defaultdict(lambda: collections.defaultdict(list))
    for name, data in files:
        m = re.match(r'^(.+)-r(\d+)\.json$', name)
        if not m:
            continue
        for row in json.load(io.BytesIO(data))['rows']:
            sets[m.group(1)][(row['layer'], row['impl'])].append(row['medianUs'])
    return sets


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(2)
    sets = read_sets(sys.argv[1])
    if not sets:
        print(f'cpu_sets_table: no NAME-rROUND.json files in {sys.argv[1]}', file=sys.stderr)
        sys.exit(1)
    names = sys.argv[2:] or sorted(sets)
    missing = [n for n in names if n not in sets]
    if missing:
        print(f'cpu_sets_table: no files for {", ".join(missing)} (have {", ".join(sorted(sets))})', file=sys.stderr)
        sys.exit(1)
    scales = sorted((int(n[len('scale-t'):]), n) for n in sets if re.fullmatch(r'scale-t\d+', n))
    keys = [k for k in sets[names[0]] if not k[1].startswith('openblas')]
    eff_cols = [f'efficiency t{t}' for t, _ in scales if t > 1] if scales and scales[0][0] == 1 else []
    print('| layer | impl | ' + ' | '.join(names) + ''.join(f' | {c}' for c in eff_cols) + ' |')
    print('| --- ' * (2 + len(names) + len(eff_cols)) + '|')
    for key in keys:
        best = {n: min(sets[n][key]) for n in names if key in sets[n]}
        cells = [f'{best[n]:.0f}' if n in best else '-' for n in names]
        if eff_cols:
            t1 = min(sets[scales[0][1]][key])
            cells += [f'{t1 / (t * min(sets[n][key])):.2f}' for t, n in scales if t > 1]
        print(f'| {key[0]} | {key[1]} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
