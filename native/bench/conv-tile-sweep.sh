#!/usr/bin/env bash
# Sweeps the AVX-512 direct-conv tile constants (kDirFB output channels x kWideNV registers, kDirCB input
# channels per block; native/src/cpu/kernels_avx512.cpp) on one thread: for each setting, builds
# coexec-cpu-bench with it (the source file is restored afterwards, also on failure) and times the conv layers
# whose name contains LAYERS, interleaved. Also measures this core's AVX-512 FMA peak (12 independent chains),
# the bound the kernels' GFLOP/s are read against. Needs g++ with AVX-512 and a core that has it.
# usage: native/bench/conv-tile-sweep.sh OUT_DIR [CORE=1]      (SETTINGS="FB NV CB WIDE;...", LAYERS=3x3, MIN_MS=300;
#        PEAK_ONLY=1: the peak alone)
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
out="$1"; core="${2:-1}"
cd "$(dirname "$0")/../.."
mkdir -p "$out"
src=native/src/cpu/kernels_avx512.cpp
backup="$(mktemp)"; cp "$src" "$backup"
trap 'cp "$backup" "$src"; rm -f "$backup"' EXIT
peak="$(mktemp -d)"
cat > "$peak/peak.c" <<'C'
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
static double Now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(void) {
  __m512 acc[12]; const __m512 b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps((float)i);
  const long n = 200000000L / 12; const double t0 = Now();
  for (long k = 0; k < n; ++k) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], b, c);  // unrolled, the 12 stay in registers
  }
  const double t = Now() - t0; __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  float lanes[16]; _mm512_storeu_ps(lanes, s);
  printf("AVX-512 FMA peak, one core: %.1f GFLOP/s (checksum %g)\n", n * 12.0 * 32 / t / 1e9, lanes[0]);
  return 0;
}
C
gcc -O3 -mavx512f -o "$peak/peak" "$peak/peak.c"
taskset -c "$core" "$peak/peak" | tee "$out/peak.txt"
[ -n "${PEAK_ONLY:-}" ] && exit 0
IFS=';' read -ra settings <<< "${SETTINGS:-6 2 16 4;6 2 8 4;6 2 32 4;6 2 64 4;4 2 16 4;8 2 16 2;7 2 16 3}"
for s in "${settings[@]}"; do
  read -r fb nv cb wide <<< "$s"
  sed -i "s/^constexpr int kDirFB = .*/constexpr int kDirFB = $fb, kDirNV = $nv, kDirCB = $cb, kWideNV = $wide;/" "$src"
  native/bench/build-cpu-bench.sh "$peak/cpu-bench" >/dev/null
  name="fb${fb}-nv${nv}-cb${cb}-wide${wide}"
  echo "[conv-tile-sweep] $name"
  taskset -c "$core" "$peak/cpu-bench" --threads 1 --cores "$core" --only conv --layers "${LAYERS:-3x3}" \
    --min-ms "${MIN_MS:-300}" --repeat 2 --json "$out/$name.json" > "$out/$name.txt"
done
