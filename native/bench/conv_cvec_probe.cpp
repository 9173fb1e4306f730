// Would a CPU direct conv with output channels in the registers beat ours? (s32, a probe, not an engine kernel)
// Our direct kernels (simd-direct, simd-flat) keep output columns in the vector registers and broadcast one
// weight per output channel; PoCL's build of our OpenCL conv_reg_v16x4_q4 (16 output channels per vector, 4
// vectors, 4 output positions, input values broadcast, weights packed so that each tap loads whole aligned
// vectors) ran 1.11-1.22x faster on the same cores (results/benchmarks/cpu-conv-tiles-vm-20261206-s32/).
// This probe times, on one thread, the engine's best direct implementation against a kernel written in that
// other orientation, for stride-1 layers:
//   cvec: weights packed once as Wp[F / 64][C][R][S][64] (zero-padded channels); per run of QB positions of
//         the flattened zero-padded plane (as simd-flat walks it) acc[QB][4] (QB x 64 channels) += Wp's 4
//         vectors x X broadcast, over input-channel blocks of C_BLOCK (partial sums kept in a [position][64]
//         buffer between blocks, so a block's weights stay in L1), then r, s; with S = 3 a filter row's QB + 2
//         input values are loaded once and broadcast to every tap (conv_reg's seg); X padded once per call, so
//         no bounds tests; the buffer is written into NCHW at the end, padding columns skipped.
// Both are checked against the engine's double-precision reference (max relative error printed).
// Build: g++ -O3 -std=c++17 -mavx512f -mfma -pthread -Inative/src native/src/cpu/*.cpp native/bench/conv_cvec_probe.cpp -ldl
// Run:   taskset -c 1 ./a.out [MIN_MS=300] [ROUNDS=5] [C_BLOCK=16]   (C_BLOCK: input channels per block)
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "cpu/cpu_layers.h"

using namespace coexec;

namespace {

constexpr int kQB = 4;   // output columns per register tile
constexpr int kFV = 4;   // vectors of 16 output channels per tile (64 channels)
constexpr int kFB = 16 * kFV;

// The first 64-byte aligned float at or after p (buffers are allocated 16 floats longer than they need).
template <typename T>
T* AlignUp(T* p) {
  return reinterpret_cast<T*>((reinterpret_cast<uintptr_t>(p) + 63) & ~uintptr_t(63));
}

float* Aligned(std::vector<float>& v, size_t floats) {
  v.resize(floats + 16);
  return AlignUp(v.data());
}

struct Packed {
  std::vector<float> storage;
  int fBlocks = 0;
  const float* w() const { return AlignUp(storage.data()); }  // [F / 64][C][R][S][64]
};

Packed PackWeights(const ConvShape& s, const float* W) {
  Packed p;
  p.fBlocks = (s.F + kFB - 1) / kFB;
  float* w = Aligned(p.storage, size_t(p.fBlocks) * s.C * s.R * s.S * kFB);
  for (int f = 0; f < s.F; ++f)
    for (int c = 0; c < s.C; ++c)
      for (int r = 0; r < s.R; ++r)
        for (int t = 0; t < s.S; ++t)
          w[(((size_t(f / kFB) * s.C + c) * s.R + r) * s.S + t) * kFB + f % kFB] = W[((size_t(f) * s.C + c) * s.R + r) * s.S + t];
  return p;
}

// One tap: acc[j] += the tap's 64 packed weights (4 aligned vectors at w) x x[j] broadcast, j < QN.
template <int QN>
inline void Tap(__m512 (*acc)[kFV], const float* w, const float* x) {
  const __m512 w0 = _mm512_load_ps(w), w1 = _mm512_load_ps(w + 16), w2 = _mm512_load_ps(w + 32), w3 = _mm512_load_ps(w + 48);
  for (int j = 0; j < QN; ++j) {
    const __m512 xv = _mm512_set1_ps(x[j]);
    acc[j][0] = _mm512_fmadd_ps(w0, xv, acc[j][0]);
    acc[j][1] = _mm512_fmadd_ps(w1, xv, acc[j][1]);
    acc[j][2] = _mm512_fmadd_ps(w2, xv, acc[j][2]);
    acc[j][3] = _mm512_fmadd_ps(w3, xv, acc[j][3]);
  }
}

// One tile: flattened output positions [o0, o0 + QN) of the padded plane (o = p * Wp + q; columns q >= Q are
// computed from the padding and dropped at the end), 64 channels of weight block `wblock`, input channels
// [c0, c1). Over the flattened plane a tap (r, s) reads X at o + r * Wp + s: QN consecutive floats, so rows need
// no tail tiles. Partial sums live in acc64[o][64] (the tile's 64 channels contiguous per position) between
// input-channel blocks, so that one block's weights (cb x R x S x 64 floats) stay in L1 across all tiles.
template <int QN, int KS>
void Tile(const ConvShape& s, const float* xp, int Hp, int Wp, const float* wblock, float* acc64, int o0, int c0, int c1) {
  __m512 acc[QN][kFV];
  float* a = acc64 + size_t(o0) * kFB;
  for (int j = 0; j < QN; ++j)
    for (int v = 0; v < kFV; ++v) acc[j][v] = _mm512_load_ps(a + j * kFB + 16 * v);
  const float* w = wblock + size_t(c0) * s.R * s.S * kFB;
  for (int c = c0; c < c1; ++c) {
    const float* plane = xp + size_t(c) * Hp * Wp + o0;
    for (int r = 0; r < s.R; ++r) {
      const float* xrow = plane + r * Wp;
      if (KS > 0) {
        // The row's QN + KS - 1 input values are loaded once and every tap broadcasts from them (conv_reg's seg).
        float seg[QN + (KS > 0 ? KS : 1) - 1];
        for (int e = 0; e < QN + KS - 1; ++e) seg[e] = xrow[e];
        for (int t = 0; t < KS; ++t, w += kFB) Tap<QN>(acc, w, seg + t);
        continue;
      }
      for (int t = 0; t < s.S; ++t, w += kFB) Tap<QN>(acc, w, xrow + t);
    }
  }
  for (int j = 0; j < QN; ++j)
    for (int v = 0; v < kFV; ++v) _mm512_store_ps(a + j * kFB + 16 * v, acc[j][v]);
}

// KS: the filter width as a compile-time constant (3), or 0 for any width read at run time.
template <int QN, int KS>
void TileTail(int qn, const ConvShape& s, const float* xp, int Hp, int Wp, const float* wb, float* acc64, int o0, int c0, int c1) {
  if (qn == QN) return Tile<QN, KS>(s, xp, Hp, Wp, wb, acc64, o0, c0, c1);
  if constexpr (QN > 1) return TileTail<QN - 1, KS>(qn, s, xp, Hp, Wp, wb, acc64, o0, c0, c1);
}

// Whole layer, batch 1, stride 1, one thread.
void ConvCvec(const ConvShape& s, const float* X, const Packed& pw, const float* b, float* Y, std::vector<float>& xpad,
              std::vector<float>& accBuf, int cBlock) {
  const int Hp = s.H + 2 * s.padH + 1, Wp = s.W + 2 * s.padW;  // one spare row: the last tile reads past the plane
  xpad.assign(size_t(s.C) * Hp * Wp + kQB, 0.0f);
  for (int c = 0; c < s.C; ++c)
    for (int h = 0; h < s.H; ++h)
      std::copy(X + (size_t(c) * s.H + h) * s.W, X + (size_t(c) * s.H + h + 1) * s.W, &xpad[(size_t(c) * Hp + h + s.padH) * Wp + s.padW]);
  const int P = s.P(), Q = s.Q(), flat = P * Wp;
  const size_t blockFloats = size_t(s.C) * s.R * s.S * kFB;
  float* acc64 = Aligned(accBuf, size_t(flat + kQB) * kFB);
  for (int fb = 0; fb < pw.fBlocks; ++fb) {
    const int f0 = fb * kFB, fn = std::min(kFB, s.F - f0);
    for (int o = 0; o < flat; ++o)
      for (int i = 0; i < kFB; ++i) acc64[size_t(o) * kFB + i] = i < fn ? b[f0 + i] : 0.0f;
    const float* wb = pw.w() + fb * blockFloats;
    for (int c0 = 0; c0 < s.C; c0 += cBlock)
      for (int o0 = 0; o0 < flat; o0 += kQB)
        s.S == 3 ? TileTail<kQB, 3>(std::min(kQB, flat - o0), s, xpad.data(), Hp, Wp, wb, acc64, o0, c0, std::min(s.C, c0 + cBlock))
                 : TileTail<kQB, 0>(std::min(kQB, flat - o0), s, xpad.data(), Hp, Wp, wb, acc64, o0, c0, std::min(s.C, c0 + cBlock));
    for (int i = 0; i < fn; ++i)
      for (int p = 0; p < P; ++p)
        for (int q = 0; q < Q; ++q) Y[(size_t(f0 + i) * P + p) * Q + q] = acc64[(size_t(p) * Wp + q) * kFB + i];
  }
}

double MaxRelError(const std::vector<float>& y, const std::vector<double>& ref) {
  double scale = 0, worst = 0;
  for (double v : ref) scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < y.size(); ++i) worst = std::max(worst, std::fabs(y[i] - ref[i]) / scale);
  return worst;
}

double TimeMs(const std::function<void()>& fn, double minMs) {
  using Clock = std::chrono::steady_clock;
  double best = 1e30;
  const auto start = Clock::now();
  do {
    const auto t0 = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  } while (std::chrono::duration<double, std::milli>(Clock::now() - start).count() < minMs);
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const double minMs = argc > 1 ? std::atof(argv[1]) : 300;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const ConvShape shapes[] = {{1, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1}, {1, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1},
                              {1, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1}, {1, 384, 8, 8, 384, 1, 3, 1, 1, 0, 1}};
  ThreadPool pool(1, {});
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (const ConvShape& s : shapes) {
    std::vector<float> X(size_t(s.C) * s.H * s.W), W(size_t(s.F) * s.C * s.R * s.S), b(s.F);
    for (auto& v : X) v = dist(rng);
    for (auto& v : W) v = dist(rng);
    for (auto& v : b) v = dist(rng);
    const size_t ySize = size_t(s.F) * s.P() * s.Q();
    std::vector<double> ref(ySize);
    Conv2dReference(s, X.data(), W.data(), b.data(), ref.data());
    const Packed pw = PackWeights(s, W.data());
    std::vector<float> xpad, accBuf, yc(ySize), yf(ySize), yi(ySize);
    const int cBlock = argc > 3 ? std::atoi(argv[3]) : 16;
    const auto cvec = [&] { ConvCvec(s, X.data(), pw, b.data(), yc.data(), xpad, accBuf, cBlock); };
    const auto flat = [&] { Conv2dCpu("simd-flat", s, X.data(), W.data(), b.data(), yf.data(), 0, s.F, pool); };
    const auto im2col = [&] { Conv2dCpu("simd-im2col", s, X.data(), W.data(), b.data(), yi.data(), 0, s.F, pool); };
    cvec(); flat(); im2col();
    const double flops = 2.0 * s.F * s.C * s.R * s.S * s.P() * s.Q();
    double bc = 1e30, bf = 1e30, bi = 1e30;
    for (int r = 0; r < rounds; ++r) {  // interleaved, best of each
      bc = std::min(bc, TimeMs(cvec, minMs / rounds));
      bf = std::min(bf, TimeMs(flat, minMs / rounds));
      bi = std::min(bi, TimeMs(im2col, minMs / rounds));
    }
    std::printf("conv %dx%dx%d F=%d %dx%d: cvec %.3f ms (%.0f GFLOP/s, err %.1e)  simd-flat %.3f ms (%.0f, err %.1e)  "
                "simd-im2col %.3f ms (%.0f, err %.1e)  best ours / cvec %.2f\n",
                s.C, s.H, s.W, s.F, s.R, s.S, bc, flops / bc / 1e6, MaxRelError(yc, ref), bf, flops / bf / 1e6,
                MaxRelError(yf, ref), bi, flops / bi / 1e6, MaxRelError(yi, ref), std::min(bf, bi) / bc);
  }
  return 0;
}
