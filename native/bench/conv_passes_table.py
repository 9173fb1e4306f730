#!/usr/bin/env python3
"""Tabulates coexec-cpu-bench --only conv-passes (native/bench/cpu-scaling-probe.sh, part passes): files
passes-tT-rROUND.json in a folder or a .tgz of one. For each layer, implementation and ParallelFor pass, with T the
largest thread count present and 1 the baseline: the pass's wall time on 1 and on T threads (median over
executions, fastest over rounds), its parallel efficiency (wall on 1 / (T x wall on T)), and what the T-thread
pass is made of: the work grown by running in parallel (time inside chunks summed over threads / the one-thread
pass), the share of T x wall that threads spent outside their chunks (waiting to wake, or done early), the
latest thread's wake-up and the spread of the threads' last chunk ends.

usage: python3 native/bench/conv_passes_table.py FOLDER_OR_TGZ
"""
import collections
import io
import json
import re
import sys

from bench_files import read_files


def read(source):
    """{threads: {(layer, impl): [row per round]}} from passes-tT-rR.json files."""
    files = read_files(source)
    by_threads = collections.defaultdict(lambda: collections.defaultdict(list))
    for name, data in files:
        m = re.match(r'^passes-t(\d+)-r\d+\.json$', name)
        if m:
            for row in json.load(io.BytesIO(data))['rows']:
                by_threads[int(m.group(1))][(row['layer'], row['impl'])].append(row)
    return by_threads


def fastest_round(rows):
    return min(rows, key=lambda r: r['executionMedianUs'])


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(2)
    by_threads = read(sys.argv[1])
    if 1 not in by_threads or len(by_threads) < 2:
        print(f'conv_passes_table: need passes-t1-* and passes-tN-* files in {sys.argv[1]}', file=sys.stderr)
        sys.exit(1)
    t = max(by_threads)
    print(f'| layer | impl | pass (units on {t}) | wall 1 thread (us) | wall {t} threads (us) | efficiency | work grown |'
          ' outside chunks | wake (us) | end spread (us) |')
    print('| --- ' * 10 + '|')
    for key, rows in by_threads[t].items():
        if key not in by_threads[1]:
            continue
        one, many = fastest_round(by_threads[1][key]), fastest_round(rows)
        if len(one['passes']) != len(many['passes']):
            continue
        for k, (p1, pt) in enumerate(zip(one['passes'], many['passes'])):
            outside = 1 - pt['sumBusyUs'] / (t * pt['wallUs']) if pt['wallUs'] > 0 else 0
            print(f"| {key[0]} | {key[1]} | {k + 1} ({pt['units']}) | {p1['wallUs']:.0f} | {pt['wallUs']:.0f} | "
                  f"{p1['wallUs'] / (t * pt['wallUs']):.2f} | {pt['sumBusyUs'] / p1['sumBusyUs']:.2f} | {outside:.0%} | "
                  f"{pt['wakeUs']:.1f} | {pt['endSpreadUs']:.0f} |")
        print(f"| {key[0]} | {key[1]} | whole execution | {one['executionMedianUs']:.0f} | {many['executionMedianUs']:.0f} | "
              f"{one['executionMedianUs'] / (t * many['executionMedianUs']):.2f} | | | | |")


if __name__ == '__main__':
    main()
