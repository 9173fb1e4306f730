#!/usr/bin/env bash
# Cross-builds the CPU layers and cpu_test.cpp for aarch64 (static, so no target sysroot is needed at run
# time) and runs the test under qemu-aarch64: this exercises the NEON kernels. OpenBLAS is not available to
# the emulated binary, so its implementations show up as SKIP, not as failures.
# Prints the test's summary renamed to "SUITE cpu-aarch64: N passed, N failed"; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."

CXX=${CXX_AARCH64:-aarch64-linux-gnu-g++}
QEMU=${QEMU_AARCH64:-qemu-aarch64}
OUT=${BUILD_DIR:-native/build-aarch64}
mkdir -p "$OUT"

for tool in "$CXX" "$QEMU"; do
  if ! command -v "$tool" >/dev/null; then
    echo "missing $tool (install g++-aarch64-linux-gnu and qemu-user)"
    echo "SUITE cpu-aarch64: 0 passed, 1 failed"
    exit 1
  fi
done

# Same warning flags as the engine build; -O2 keeps the compile short on a small machine.
if ! "$CXX" -O2 -Wall -Wextra -Werror -std=c++17 -static -pthread -Inative/src \
    native/src/cpu/*.cpp native/tests/cpu_test.cpp -ldl -o "$OUT/coexec-cpu-test" 2> "$OUT/build.log"; then
  tail -n 30 "$OUT/build.log"
  echo "SUITE cpu-aarch64: 0 passed, 1 failed"
  exit 1
fi

"$QEMU" "$OUT/coexec-cpu-test" > "$OUT/test.log" 2>&1
status=$?
grep -v '^SUITE ' "$OUT/test.log" | grep -E '^(FAIL|SKIP|resolved)' || true
summary=$(grep '^SUITE cpu:' "$OUT/test.log" | tail -n 1)
if [ -z "$summary" ]; then
  tail -n 20 "$OUT/test.log"
  echo "SUITE cpu-aarch64: 0 passed, 1 failed (the test binary exited $status without a summary)"
  exit 1
fi
echo "${summary/SUITE cpu:/SUITE cpu-aarch64:}"
exit $status
