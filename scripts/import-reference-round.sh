#!/usr/bin/env bash
# Brings what scripts/reference-round.sh measured on the GPU host into the repository, every step the import
# needs, in the order the shipped runs took them: unpack reference.tgz (or its parts), copy each run folder to
# results/<platform>/, `coexec derive` and `compact` it, keep its same-call retest as
# results/repeatability/<platform>-<experiment>-<stamp>-same-call.json (the comparison) and ...-retest-jobs.json.gz
# (the retest's own jobs, which the report's same-jobs floor reads), then `coexec figures` and `validate` it. A run
# folder already in results/ is left alone (nothing is overwritten). Prints what it did and where the logs are.
# usage: scripts/import-reference-round.sh DIR   (DIR holds reference.tgz or reference.tgz.part*: the device's files)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
repo="$(cd "$(dirname "$0")/.." && pwd)"
shopt -s nullglob
parts=("$1"/reference.tgz "$1"/reference.tgz.part*)
[ ${#parts[@]} -gt 0 ] || { echo "import-reference-round: no reference.tgz or reference.tgz.part* in $1" >&2; exit 2; }
[ -f "$repo/dist/src/cli/main.js" ] || { echo "import-reference-round: build first (npx tsc -p tsconfig.json)" >&2; exit 2; }
unpacked="$(mktemp -d "${TMPDIR:-/tmp}/reference-round.XXXXXX")"
cat "${parts[@]}" | tar xzf - -C "$unpacked"
coexec() { node "$repo/dist/src/cli/main.js" "$@"; }
imported=0
for run in "$unpacked"/results/*/*/; do
  run="${run%/}"; platform="$(basename "$(dirname "$run")")"; id="$(basename "$run")"
  dest="$repo/results/$platform/$id"
  # An archive holds every run folder the bundle prepared; those of specs measured in other calls have no jobs.json.
  if [ ! -f "$run/jobs.json" ]; then echo "import-reference-round: $platform/$id was not measured in this archive; skipped"; continue; fi
  if [ -e "$dest" ]; then echo "import-reference-round: $dest exists; left alone"; continue; fi
  mkdir -p "$(dirname "$dest")" && cp -a "$run" "$dest"
  coexec derive "$dest" && coexec compact "$dest"
  # The run's logs folder is logs/<platform>-<experiment>; its retest, where it had one, is there too. Kept before the
  # figures, whose report reads them (the floor sections).
  experiment="$(node -e 'process.stdout.write(require(process.argv[1]).experiment)' "$dest/run.json")"
  logs="$unpacked/logs/$platform-$experiment"
  stamp="$(grep -o '[0-9]\{8\}T[0-9]\{4\}Z' <<< "$id" | tail -1)"
  stem="$repo/results/repeatability/$platform-$experiment-$stamp"
  if [ -f "$logs/repeatability.json" ]; then
    cp "$logs/repeatability.json" "$stem-same-call.json"
    if [ -f "$logs/retest.tgz" ]; then
      tar xzf "$logs/retest.tgz" -O "$id/jobs.json" | gzip -n -9 > "$stem-retest-jobs.json.gz"
    fi
    echo "import-reference-round: kept $(basename "$stem")-same-call.json$([ -f "$stem-retest-jobs.json.gz" ] && echo ' and its retest jobs')"
  fi
  coexec figures "$dest" --no-png
  coexec validate "$dest" || echo "import-reference-round: $platform/$id does not validate (above): report it, do not hide it"
  imported=$((imported + 1))
done
echo "import-reference-round: $imported run folder(s) imported; logs and machine.txt in $unpacked/logs"
[ "$imported" -gt 0 ]
