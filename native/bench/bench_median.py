#!/usr/bin/env python3
"""One `coexec-engine bench` result line on stdin -> "MEDIAN_US passed|FAILED" on stdout: the median of its samples
and whether the engine ran it and its output passed the double-reference check (the A/B scripts' one cell)."""
import json
import sys

try:
    d = json.loads(sys.stdin.read())
except ValueError:
    d = {}
s = sorted(d.get("samplesNs") or [])
ok = d.get("status") == "ok" and (d.get("check") or {}).get("passed") is True
print("%.2f %s" % (s[len(s) // 2] / 1e3 if s else float("nan"), "passed" if ok else "FAILED"))
