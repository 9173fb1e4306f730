#!/usr/bin/env bash
# Yardsticks: our CPU kernels against OpenBLAS and our GPU kernels against CLBlast, same shapes, same
# threads, same OpenCL device, through `coexec-engine bench` (each line is a full, checked result line).
# Needs only bash and the engine; no Node. Output: one JSON line per measurement, tagged with
# "yardstick": {"group", "side", "impl"}.
#
# usage: native/bench/yardsticks.sh ENGINE OUT.jsonl THREADS [device flags...]
#   e.g. native/bench/yardsticks.sh build/coexec-engine out.jsonl 16 --device-type gpu --platform NVIDIA
set -uo pipefail
engine="$1"; out="$2"; threads="$3"; shift 3
device=("$@")
measure=(--warmup 3 --min-samples 20 --min-time-ms 100 --max-samples 300 --max-time-ms 1500)

linear_shapes=("1 3072 768" "1 4096 4096" "1 1000 2048" "16 3072 768" "64 2304 768")
conv_shapes=("1 64 56 56 64 3 3 1 1" "1 64 56 56 256 1 1 1 0" "1 3 224 224 64 7 7 2 3" "1 256 14 14 256 3 3 1 1")

emit() { # group side impl -- engine args...
  local group="$1" side="$2" impl="$3"; shift 4
  local line
  line="$("$engine" bench "$@" "${measure[@]}" "${device[@]}" 2>/dev/null | tail -n 1)"
  [ -n "$line" ] || line='{"status":"error","reason":"engine printed nothing"}'
  printf '{"yardstick":{"group":"%s","side":"%s","impl":"%s"},"result":%s}\n' "$group" "$side" "$impl" "$line" >> "$out"
}

for s in "${linear_shapes[@]}"; do
  read -r M N K <<< "$s"
  g="linear/M:$M/N:$N/K:$K"
  L=(--layer linear --M "$M" --N "$N" --K "$K")
  emit "$g" cpu simd -- "${L[@]}" --ratio 1 --threads "$threads" --cpu simd
  emit "$g" cpu openblas -- "${L[@]}" --ratio 1 --threads "$threads" --cpu openblas
  if [ "$M" = 1 ]; then
    emit "$g" gpu gemv_row -- "${L[@]}" --ratio 0 --gpu gemv_row --wg 128 --sync finish
    emit "$g" gpu gemv_vec4 -- "${L[@]}" --ratio 0 --gpu gemv_vec4 --wg 128 --sync finish
  fi
  emit "$g" gpu gemm_tiled -- "${L[@]}" --ratio 0 --gpu gemm_tiled --wg 16 --sync finish
  emit "$g" gpu clblast -- "${L[@]}" --ratio 0 --gpu clblast --sync finish
done
for s in "${conv_shapes[@]}"; do
  read -r B C H W F R S st pad <<< "$s"
  g="conv2d/B:$B/C:$C/H:$H/W:$W/F:$F/R:$R/S:$S/st:${st}x$st/pad:${pad}x$pad"
  L=(--layer conv2d --batch "$B" --C "$C" --H "$H" --W "$W" --F "$F" --R "$R" --S "$S" --stride "$st" --pad "$pad")
  emit "$g" cpu simd-im2col -- "${L[@]}" --ratio 1 --threads "$threads" --cpu simd-im2col
  emit "$g" cpu simd-direct -- "${L[@]}" --ratio 1 --threads "$threads" --cpu simd-direct
  emit "$g" cpu simd-flat -- "${L[@]}" --ratio 1 --threads "$threads" --cpu simd-flat
  emit "$g" cpu openblas-im2col -- "${L[@]}" --ratio 1 --threads "$threads" --cpu openblas-im2col
  emit "$g" gpu conv_direct -- "${L[@]}" --ratio 0 --gpu conv_direct --wg 64 --sync finish
  emit "$g" gpu conv_im2col_gemm -- "${L[@]}" --ratio 0 --gpu conv_im2col_gemm --wg 16 --sync finish
done
echo "yardsticks: $(wc -l < "$out") lines in $out"
