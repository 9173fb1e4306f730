#!/usr/bin/env bash
# Runs an offline coexec bundle on this machine, without Node: checks the bundle's files against
# SHA256SUMS, builds the engine from native/ with CMake into ./build (reused while the sources are
# unchanged), sets the platform's environment from platform.env (and a private OpenCL ICD folder when the
# platform asks for one), writes `coexec-engine info` to results/info.json, then runs every plan in plans/
# into results/<name>.jsonl. Resumable: jobs that already have a result line are left out of the rerun.
# A bundle exported with --with-node also carries Node and the harness (harness/): once every plan has a
# result for each job, run.sh imports them into a copy of the run folder (results/run/), plans the
# confirmation pass there and runs it into results/confirm.jsonl (planned once; a rerun resumes it).
#
# Usage: ./run.sh [--jobs N] [--pack] [--help]
#   --jobs N   build with N parallel jobs (default: all cores)
#   --pack     afterwards, write ../<bundle>-results.tar.gz (the bundle without build/ and work/) to bring back
# Environment: COEXEC_CMAKE_ARGS  extra CMake configure arguments (e.g. -DCMAKE_CXX_COMPILER=clang++)
# Then on the harness machine: coexec import --bundle <this folder or the .tar.gz> --run <run folder>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

jobs="$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
pack=0
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
    --pack) pack=1; shift ;;
    -h|--help) sed -n '2,15p' "$here/$(basename "$0")" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
say() { echo "run.sh: $*" >&2; }

# 1. The bundle is what was exported: a changed plan would produce results that do not match the harness.
if command -v sha256sum >/dev/null 2>&1; then
  if ! sha256sum -c --quiet SHA256SUMS >&2; then
    say "files differ from SHA256SUMS (listed above): re-export the bundle instead of editing it"; exit 1
  fi
else
  say "sha256sum not found: skipping the integrity check (import still checks)"
fi

# 2. Optional prebuilt packages (e.g. CLBlast .deb) unpacked locally: no root, nothing installed system-wide.
prefix_args=()
if compgen -G "extra/*.deb" >/dev/null; then
  for deb in extra/*.deb; do dpkg-deb -x "$deb" extra/root; done
  prefix_args=(-DCMAKE_PREFIX_PATH="$here/extra/root/usr")
  for libdir in "$here"/extra/root/usr/lib "$here"/extra/root/usr/lib/*-linux-gnu; do
    [ -d "$libdir" ] && export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  done
fi

# 3. Build, unless ./build holds a binary built from exactly these sources.
source_hash="$(sed -n 's/.*"sourceSha256": *"\([0-9a-f]*\)".*/\1/p' bundle.json | head -n 1)"
engine="$here/build/coexec-engine"
if [ -x "$engine" ] && [ "$(cat build/.coexec-source-sha256 2>/dev/null)" = "$source_hash" ]; then
  say "engine build is up to date"
else
  command -v cmake >/dev/null 2>&1 || { say "cmake not found: install CMake (>= 3.16) and a C++17 compiler"; exit 1; }
  say "building the engine (cmake, $jobs jobs)"
  rm -f build/.coexec-source-sha256
  # A build folder copied from another bundle (a confirmation round reusing round 1's build) names that
  # bundle's folders in its CMake cache, which CMake refuses: configure it afresh here.
  if [ -f build/CMakeCache.txt ] && ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$here/native" build/CMakeCache.txt; then
    rm -rf build/CMakeCache.txt build/CMakeFiles
  fi
  # shellcheck disable=SC2086 # COEXEC_CMAKE_ARGS is a list of words on purpose
  cmake -S native -B build -DCMAKE_BUILD_TYPE=Release ${prefix_args[@]+"${prefix_args[@]}"} ${COEXEC_CMAKE_ARGS:-} >build-configure.log 2>&1 \
    || { tail -n 30 build-configure.log >&2; say "cmake configure failed (build-configure.log)"; exit 1; }
  cmake --build build --target coexec-engine -j "$jobs" >build.log 2>&1 || { tail -n 30 build.log >&2; say "build failed (build.log)"; exit 1; }
  echo "$source_hash" > build/.coexec-source-sha256
fi

# 4. The platform's environment; a private ICD folder registers vendor libraries the system does not list.
# shellcheck source=/dev/null
. ./platform.env
if [ -n "${COEXEC_ICD_LIBS:-}" ]; then
  mkdir -p icd
  for lib in $COEXEC_ICD_LIBS; do
    name="${lib##*/}"; name="${name#lib}"; name="${name%%.so*}"; name="${name%-opencl}"
    echo "$lib" > "icd/$name.icd"
  done
  export OCL_ICD_VENDORS="$here/icd"
fi

mkdir -p results work
# 5. What the engine sees on this machine.
if "$engine" info > work/info.json; then mv work/info.json results/info.json; else say "coexec-engine info failed (exit $?)"; fi

# 6. Every plan, leaving out jobs that already have a result line (the plan has one job per line with its
# id first, so awk can filter it; a result line cut short by a crash does not count).
status=0
# run_plan NAME PLAN: runs the jobs of PLAN without a line in results/NAME.jsonl; returns the engine's status.
run_plan() {
  local name="$1" plan="$2" out="results/$1.jsonl" todo="work/$1.todo.json" kept skipped rc=0
  # A line cut short by a crash would glue onto the next appended line: set it aside first.
  if [ -s "$out" ] && [ "$(tail -c 1 "$out" | od -An -c | tr -d ' ')" != '\n' ]; then
    { tail -n 1 "$out"; echo; } >> "work/$name.partial"
    head -n "$(wc -l < "$out")" "$out" > "work/$name.complete" && mv "work/$name.complete" "$out"
    say "$name: set aside a result line cut short (work/$name.partial)"
  fi
  awk -v results="$out" -v counts="work/$name.counts" '
    BEGIN {
      while ((getline line < results) > 0) {
        if (line ~ /}[ \t\r]*$/ && match(line, /"jobId"[ \t]*:[ \t]*"[^"]*"/)) {
          id = substr(line, RSTART, RLENGTH); sub(/^"jobId"[ \t]*:[ \t]*"/, "", id); sub(/"$/, "", id); done[id] = 1
        }
      }
    }
    NR == 1 { print; next }
    /^\]}/ { if (kept) printf "\n"; print; next }
    {
      job = $0; sub(/,$/, "", job)
      match(job, /^\{"id":"[^"]*"/); id = substr(job, 8, RLENGTH - 8)
      if (id in done) { skipped++; next }
      if (kept++) printf ",\n"
      printf "%s", job
    }
    END { print kept + 0, skipped + 0 > counts }
  ' "$plan" > "$todo"
  read -r kept skipped < "work/$name.counts"
  if [ "$kept" -eq 0 ]; then say "$name: all $skipped jobs done"; return 0; fi
  say "$name: running $kept jobs ($skipped already done)"
  "$engine" run "$todo" --out "$out" || rc=$?
  if [ "$rc" -ne 0 ]; then say "$name: engine exited with $rc"; fi
  return "$rc"
}
for plan in plans/*.json; do
  rc=0
  run_plan "$(basename "$plan" .json)" "$plan" || rc=$?
  if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then status=$rc; fi
  [ "$rc" -ne 2 ] || break  # a bad plan: the others were exported together and would fail alike
done
write_sums() { (cd results && sha256sum -- *.jsonl info.json run/run.json run/plan-confirm.json 2>/dev/null > SHA256SUMS || true); }
write_sums

# 6b. The confirmation pass, when the bundle carries Node and the harness (export --with-node): planned by
# the harness from round 1 as `coexec reproduce` would, and only once every job of round 1 has a result.
# A Node that cannot start here (another CPU architecture, an older glibc) leaves round 1 as it is: import
# it and plan the pass at home as without --with-node.
if [ -f harness/node.gz ] && [ -d harness/run ]; then
  node_version="$(sed -n 's/.*"version": *"\(v[^"]*\)".*/\1/p' bundle.json | head -n 1)"
  node_arch="$(sed -n 's/.*"arch": *"\([^"]*\)".*/\1/p' bundle.json | head -n 1)"
  node_bin="$here/work/node"
  if [ "$status" -ne 0 ]; then
    say "confirm: round 1 did not finish (status $status): the confirmation pass is planned after a complete round 1 (run ./run.sh again)"
  elif ! { gzip -dc harness/node.gz > work/node.tmp && chmod +x work/node.tmp && mv work/node.tmp "$node_bin"; }; then
    say "confirm: cannot unpack harness/node.gz: round 1 is complete; import it and plan the confirmation pass at home"
  elif node_says="$("$node_bin" --version 2>&1)"; node_rc=$?; [ "$node_rc" -ne 0 ]; then
    say "confirm: the carried Node $node_version ($node_arch) cannot start here (exit $node_rc$(printf '%s' "${node_says:+: $node_says}" | tr '\n' ' ' | cut -c 1-160)): round 1 is complete; import it and plan the confirmation pass at home"
  else
    confirm_plan="$("$node_bin" harness/dist/src/cli/bundle-round2.js "$here")" || confirm_plan=""
    if [ -n "$confirm_plan" ]; then
      rc=0
      run_plan confirm "$confirm_plan" || rc=$?
      [ "$rc" -eq 0 ] || status=$rc
      write_sums
    fi
  fi
fi

# 7. Hashes of what was measured (written after each round above), so that import notices a result or the
# run folder copy edited on the way back.

if [ "$pack" -eq 1 ]; then
  archive="$(dirname "$here")/$(basename "$here")-results.tar.gz"
  tar -czf "$archive" --exclude=./build --exclude=./work --exclude=./extra/root -C "$here" .
  say "packed $archive"
fi
exit "$status"
