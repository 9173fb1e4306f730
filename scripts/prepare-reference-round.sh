#!/usr/bin/env bash
# Prepares one device call of scripts/reference-round.sh on this (harness) machine: DIR gets the Node binary
# (node.xz) and the harness's packages (nm.tar.xz) the GPU host lacks, and one offline bundle per SPEC under
# DIR/PL-E/b1 with its run folder under DIR/results. What reference-round.sh's header lists by hand.
# usage: scripts/prepare-reference-round.sh DIR PL:E:PROFILE[:...] ...      e.g.
#   scripts/prepare-reference-round.sh bundles/ref28 gpu-host:linear-coexec:host:420:80
# Needs `npm ci && npx tsc -p tsconfig.json` done. Then carry ["dist", "DIR"] in the device call and run there
#   OUT=$OUT/ref REF_TOTAL_S=... ROUND_COMMIT=$(git rev-parse --short HEAD) bash scripts/reference-round.sh DIR SPEC...
# with the same SPECs (reference-round.sh reads budget and retest seconds from them).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DIR PL:E:PROFILE[:BUDGET_S[:RETEST_S]] ..." >&2; exit 2; }
dir="$1"; shift
cd "$(dirname "$0")/.."
[ -f dist/src/cli/main.js ] || { echo "prepare-reference-round: build first (npx tsc -p tsconfig.json)" >&2; exit 1; }
mkdir -p "$dir"
if [ ! -f "$dir/node.xz" ]; then
  echo "node.xz (Node $(node --version))"
  xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > "$dir/node.xz"
fi
if [ ! -f "$dir/nm.tar.xz" ]; then
  echo "nm.tar.xz (the harness's packages, without the compiler and browser ones)"
  tar cJf "$dir/nm.tar.xz" --exclude=node_modules/typescript --exclude=node_modules/playwright-core \
    --exclude=node_modules/@types node_modules
fi
for spec in "$@"; do
  IFS=: read -r plat exp prof _ <<< "$spec"
  [ -n "$plat" ] && [ -n "$exp" ] && [ -n "$prof" ] || { echo "prepare-reference-round: bad SPEC '$spec' (want PL:E:PROFILE...)" >&2; exit 2; }
  [ -e "$dir/$plat-$exp/b1" ] && { echo "prepare-reference-round: $dir/$plat-$exp/b1 exists; use a fresh DIR" >&2; exit 1; }
  node bin/coexec.js export --experiment "$exp" --profile "$prof" --platform "$plat" \
    --out "$dir/$plat-$exp/b1" --results "$dir/results"
done
du -sh "$dir"
