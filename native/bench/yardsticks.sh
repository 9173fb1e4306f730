#!/usr/bin/env bash
# Yardsticks (issue 13 item 5): our CPU implementations against OpenBLAS and our GPU variants against CLBlast,
# same shapes, same threads and cores, same OpenCL device, through `coexec-engine bench` (each line is a
# full, checked result line: layer latency, and for GPU lines the profiled kernel time). PyTorch CPU and CUDA
# on the same shapes come from native/bench/torch_yardstick.py. Needs only bash and the engine; no Node.
# Output: one JSON line per measurement, tagged with "yardstick": {"group" (the layer id), "side", "impl"}.
# `coexec yardsticks ENGINE.jsonl TORCH.jsonl --out DIR` turns both into tables.
#
# usage: native/bench/yardsticks.sh ENGINE OUT.jsonl THREADS [engine bench flags for every job...]
#   e.g. native/bench/yardsticks.sh native/build/coexec-engine out.jsonl 15 --device-type gpu --platform NVIDIA \
#          --cores 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 --driver-core 0
# Environment:
#   YARDSTICK_SHAPES  reference (default: issue 13's seven reference layers) or shipped (the five linear and
#                     four conv shapes of results/yardsticks/gpu-host, measured 2026-11-26)
#   YARDSTICK_REG     register-tiled variants to measure as well, "linear conv conv1x1" ids
#                     (default: linear_reg_v8x2_m4 conv_reg_v8x2_q4 conv_reg_1x1_v8x2_q4; "" for none)
#   YARDSTICK_REG_WG  their work-group size (default 64)
#   YARDSTICK_LOCAL   local-memory tiled variants (work-group size fixed by the tile), "linear;conv" lists
#                     (default: the tiles that won issue 13's reference shapes on the H200, round 3, and the split-K
#                     variants of the host profile's grids, s39 / s40; "" for none)
#   YARDSTICK_MAX_MS  per-measurement time cap in ms (default 800)
set -uo pipefail
[ $# -ge 3 ] || { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
engine="$1"; out="$2"; threads="$3"; shift 3
device=("$@")
measure=(--warmup 3 --min-samples 20 --min-time-ms 100 --max-samples 300 --max-time-ms "${YARDSTICK_MAX_MS:-800}")
read -r reg_linear reg_conv reg_conv1x1 <<< "${YARDSTICK_REG-linear_reg_v8x2_m4 conv_reg_v8x2_q4 conv_reg_1x1_v8x2_q4}"
reg_wg="${YARDSTICK_REG_WG:-64}"
IFS=';' read -r local_linear local_conv <<< "${YARDSTICK_LOCAL-gemm_local_32x64x16_4x4 gemm_local_64x128x16_8x8 gemm_splitk_16x64x16_2x4_s4;conv_local_64x32x16_4x4 conv_local_32x16x16_4x2 conv_local_64x32x8_4x4 conv_splitk_64x32x16_4x4_s8}"

case "${YARDSTICK_SHAPES:-reference}" in
  reference)
    linear_shapes=("1 3072 768" "64 3072 768" "256 3072 768")
    conv_shapes=("1 64 56 56 64 3 3 1 1" "1 128 28 28 128 3 3 1 1" "1 3 224 224 64 7 7 2 3" "1 256 56 56 64 1 1 1 0") ;;
  shipped)
    linear_shapes=("1 3072 768" "1 4096 4096" "1 1000 2048" "16 3072 768" "64 2304 768")
    conv_shapes=("1 64 56 56 64 3 3 1 1" "1 64 56 56 256 1 1 1 0" "1 3 224 224 64 7 7 2 3" "1 256 14 14 256 3 3 1 1") ;;
  *) echo "yardsticks: YARDSTICK_SHAPES must be reference or shipped, got ${YARDSTICK_SHAPES}" >&2; exit 2 ;;
esac

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
  [ -z "${reg_linear:-}" ] || emit "$g" gpu "$reg_linear" -- "${L[@]}" --ratio 0 --gpu "$reg_linear" --wg "$reg_wg" --sync finish
  for v in ${local_linear:-}; do emit "$g" gpu "$v" -- "${L[@]}" --ratio 0 --gpu "$v" --wg 1 --sync finish; done
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
  if [ "$R$S$st$pad" = 1110 ]; then
    emit "$g" gpu conv_1x1_gemm -- "${L[@]}" --ratio 0 --gpu conv_1x1_gemm --wg 16 --sync finish
    [ -z "${reg_conv1x1:-}" ] || emit "$g" gpu "$reg_conv1x1" -- "${L[@]}" --ratio 0 --gpu "$reg_conv1x1" --wg "$reg_wg" --sync finish
  fi
  [ -z "${reg_conv:-}" ] || emit "$g" gpu "$reg_conv" -- "${L[@]}" --ratio 0 --gpu "$reg_conv" --wg "$reg_wg" --sync finish
  for v in ${local_conv:-}; do emit "$g" gpu "$v" -- "${L[@]}" --ratio 0 --gpu "$v" --wg 1 --sync finish; done
  emit "$g" gpu clblast -- "${L[@]}" --ratio 0 --gpu clblast --sync finish
done
echo "yardsticks: $(wc -l < "$out") lines in $out"
