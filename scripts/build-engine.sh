#!/usr/bin/env bash
# Builds the native engine (Release, -O3, warnings as errors) into native/build/coexec-engine.
# Usage: scripts/build-engine.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-native/build}"
shift || true
cmake -S native -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" >/dev/null
echo "engine: $build_dir/coexec-engine"
