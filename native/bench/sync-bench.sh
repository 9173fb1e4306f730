#!/usr/bin/env bash
# Benchmark (not a test): round trip per sync mechanism, layer-level overhead per mechanism and the GPU
# variants, on the device the engine picks (PoCL here). Builds the engine first.
# Usage: native/bench/sync-bench.sh [--N 1024 --K 1024 --ratio 0.5 --threads 1 --samples 100 --json out.json]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/build-engine.sh native/build >/dev/null
python3 native/bench/sync_bench.py --engine native/build/coexec-engine "$@"
