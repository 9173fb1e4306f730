#!/usr/bin/env bash
# Derive's speed, two builds of the harness side by side on the same run folders (hyperfine, alternating):
# the confirmation list (what a device call computes between its two rounds, scripts/confirm-list.mjs) and
# a whole `coexec derive` (on a scratch copy of each run, so the committed folder is untouched).
#   bash scripts/derive-speed-bench.sh OLD_DIST NEW_DIST OUT_DIR RUN_DIR...
# OLD_DIST / NEW_DIST are compiled harness folders (a `dist/` of another commit: `npx tsc -p tsconfig.json
# --outDir /tmp/old/dist` at that commit, with node_modules and experiments linked beside it). Writes
# OUT_DIR/confirm-list.json and OUT_DIR/derive.json (hyperfine's exports) and OUT_DIR/summary.md.
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,8p "$0"; exit 2; }
old="$(cd "$1" && pwd)"; new="$(cd "$2" && pwd)"; out="$3"; shift 3
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v hyperfine >/dev/null || { echo "error: hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
mkdir -p "$out"
scratch="$(mktemp -d)"; trap 'rm -rf "$scratch"' EXIT
confirm_cmds=(); derive_cmds=()
for run in "$@"; do
  run="$(cd "$run" && pwd)"; name="$(basename "$(dirname "$run")")/$(basename "$run")"
  for side in old new; do
    dist="$old"; [ "$side" = new ] && dist="$new"
    confirm_cmds+=(-n "$side confirm-list $name" "node --input-type=module -e \"const m = await import('$dist/src/analysis/derive.js'); m.confirmListForRunDir('$run', '$root/experiments');\"")
    copy="$scratch/$side-$(basename "$run")"; cp -r "$run" "$copy"
    derive_cmds+=(-n "$side derive $name" "node $dist/src/cli/main.js derive $copy")
  done
done
hyperfine --warmup 0 --runs 3 --export-json "$out/confirm-list.json" "${confirm_cmds[@]}"
hyperfine --warmup 0 --runs 3 --export-json "$out/derive.json" "${derive_cmds[@]}"
node --input-type=module -e "
import fs from 'node:fs';
const rows = [];
for (const f of ['confirm-list', 'derive']) {
  const r = JSON.parse(fs.readFileSync('$out/' + f + '.json', 'utf8')).results;
  for (const o of r.filter((x) => x.command.startsWith('old '))) {
    const n = r.find((x) => x.command === o.command.replace(/^old /, 'new '));
    rows.push('| ' + o.command.slice(4) + ' | ' + o.median.toFixed(1) + ' | ' + n.median.toFixed(1) + ' | ' + (o.median / n.median).toFixed(2) + ' |');
  }
}
fs.writeFileSync('$out/summary.md', '| what, run | old s (median of 3) | new s | old / new |\n| --- | --- | --- | --- |\n' + rows.join('\n') + '\n');
"
cat "$out/summary.md"
