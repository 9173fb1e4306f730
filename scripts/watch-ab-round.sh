#!/usr/bin/env bash
# Does the engine's GPU-done watch (e891d29: the driver thread polls the GPU's done counter on its own core and
# times the GPU side) change what a run measures? On one lease, the same confirmation-pass strategies are
# measured with the watch on and off (COEXEC_WATCH_GPU_DONE=1 / 0), alternating the order each round, so that
# drift during the call falls on both settings alike. Each bundle is an exported confirmation pass (coexec export
# --resume RUN --phase confirm --strategies @LIST); its run.sh builds the engine once and is resumable, so every
# repetition starts from an empty results/.
# usage: OUT=DIR ROUNDS=3 scripts/watch-ab-round.sh BUNDLE...     writes DIR/<bundle>-watch<0|1>-r<round>.jsonl
# Compare at home with scripts/watch-ab-compare.mjs DIR.
set -uo pipefail
out="${OUT:?set OUT}"; mkdir -p "$out"
rounds="${ROUNDS:-3}"
for b in "$@"; do
  name="$(basename "$b")"
  for r in $(seq 1 "$rounds"); do
    # Odd rounds measure the watch first, even rounds last.
    order="1 0"; [ $((r % 2)) -eq 0 ] && order="0 1"
    for w in $order; do
      rm -rf "$b/results"
      t0=$(date +%s)
      (cd "$b" && COEXEC_WATCH_GPU_DONE="$w" ./run.sh --jobs "$(nproc)") > "$out/$name-watch$w-r$r.log" 2>&1
      echo "[watch-ab] $name round $r watch=$w rc=$? $(( $(date +%s) - t0 ))s lines=$(cat "$b"/results/confirm.jsonl 2>/dev/null | wc -l)"
      cp "$b/results/confirm.jsonl" "$out/$name-watch$w-r$r.jsonl" 2>/dev/null || true
    done
  done
done
