#!/usr/bin/env python3
"""Summarizes a scripts/visit-probe.sh folder: per job, its median latency in every visit (us) and the spread
(max / min); then how often a slow visit (over 1.5x the job's median across visits) carried the steal time the
harness refuses (stealPct > 1 with 3 or more ticks) against the other visits; and per visit, its mean steal.
usage: python3 scripts/visit-probe-summary.py DIR   (visit-<k>.jsonl or .jsonl.gz files; jobs-chosen.json optional)"""
import gzip, json, os, re, statistics, sys

if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
    sys.exit(__doc__)
folder = sys.argv[1]
visits = {}
for name in os.listdir(folder):
    m = re.fullmatch(r'visit-(\d+)\.jsonl(\.gz)?', name)
    if not m:
        continue
    opener = gzip.open if m.group(2) else open
    with opener(os.path.join(folder, name), 'rt') as f:
        visits[int(m.group(1))] = [json.loads(line) for line in f if line.strip()]
if not visits:
    sys.exit(f'no visit-<k>.jsonl files in {folder}')
chosen_file = os.path.join(folder, 'jobs-chosen.json')
chosen = json.load(open(chosen_file)) if os.path.exists(chosen_file) else {}
by_job = {}
for k in sorted(visits):
    for r in visits[k]:
        by_job.setdefault(r['jobId'], []).append((k, r['medianNs'] / 1e3, r.get('stealPct', 0.0), r.get('stealTicks', 0)))
refused = lambda pct, ticks: pct > 1 and ticks >= 3
print('| job | group | medians per visit (us) | max / min |\n| --- | --- | --- | --- |')
slow, other = [], []
for job, rows in by_job.items():
    typical = statistics.median(m for _, m, _, _ in rows)
    for _, m, pct, ticks in rows:
        (slow if m > 1.5 * typical else other).append(refused(pct, ticks))
    group = 'moved' if job in chosen.get('moved', []) else 'steady' if job in chosen.get('steady', []) else '-'
    ms = [m for _, m, _, _ in rows]
    print(f"| {job.replace('conv2d/B:1/', '')} | {group} | {' '.join(f'{m:.0f}' for m in ms)} | {max(ms) / min(ms):.2f} |")
share = lambda xs: f'{sum(xs)}/{len(xs)}' if xs else '0/0'
print(f'\nslow visits (> 1.5x the job median) with refused steal: {share(slow)}; other visits: {share(other)}')
for k in sorted(visits):
    rows = visits[k]
    print(f"visit {k}: mean stealPct {statistics.mean(r.get('stealPct', 0.0) for r in rows):.2f}, "
          f"slow jobs {sum(1 for r in rows if r['medianNs'] / 1e3 > 1.5 * statistics.median(m for _, m, _, _ in by_job[r['jobId']]))} of {len(rows)}")
