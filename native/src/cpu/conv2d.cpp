// Conv2dCpu: output channels [row0, row1) of an NCHW convolution for every image of the batch, over output
// rows [p0, p1) (all of them unless the layer is split along its height; then only the input rows those
// output rows read are unrolled or padded).
//  - im2col: the input is unrolled into a [C*R*S][P*Q] matrix (panel-major for our GEMM; skipped for
//    1x1/stride 1/no padding where the input already is that matrix in the needed layout), then each output
//    channel is a GEMM row: our broadcast GEMM on (image, channel chunk, column panel) units, or one
//    OpenBLAS sgemm per image. Ours unrolls inside the GEMM's units, each into its thread's own block:
//    with a column panel per thread or more, a unit unrolls its whole panel; with fewer, units split the
//    C*R*S rows too and a second pass sums their partial products. This replaced a shared unroll pass whose
//    panels every channel chunk then read back whole from the other cores' caches (conv run 1021Z on the
//    H200 host: ~45 us per call on 15 threads that did not shrink with the slice). Layers with C*R*S < 64
//    and too few panels keep the shared pass.
//  - direct: the input is copied once into a zero-padded, column-phase-split buffer so the kernel needs no
//    bounds checks and reads output columns contiguously even with stride 2 (a layer without padding and
//    with column stride 1 is read in place, all but the last image's last rows); units are (image, channel
//    tile, output row) in the order that re-reads the smaller operand; the kernel's wide tile where it
//    pads Q no further than the narrow one.
//  - flat (stride 1): the wide kernel over the flattened padded plane, so its tiles do not round each
//    output row up to whole registers (SimdDirectFlat); without padding the plane is X itself.
// Both copies live in scratch buffers that only grow, so repeated calls with one shape do not allocate.
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu/cpu_layers.h"
#include "cpu/impl_select.h"
#include "cpu/openblas.h"

namespace coexec {

namespace {

using cpu::DirectConvArgs;
using cpu::KernelTable;

void CheckArgs(const ConvShape& s, int row0, int row1, int p0, int p1) {
  const bool ok = s.batch >= 1 && s.C >= 1 && s.H >= 1 && s.W >= 1 && s.F >= 1 && s.R >= 1 && s.S >= 1 &&
                  s.strideH >= 1 && s.strideW >= 1 && s.padH >= 0 && s.padW >= 0 && s.P() >= 1 && s.Q() >= 1;
  if (!ok) throw std::invalid_argument("conv2d shape is invalid (sizes and strides >= 1, padding >= 0, output >= 1x1)");
  if (row0 < 0 || row1 > s.F || row0 > row1)
    throw std::invalid_argument("conv2d CPU rows [" + std::to_string(row0) + ", " + std::to_string(row1) +
                                ") are not inside [0, F=" + std::to_string(s.F) + "]");
  if (p0 < 0 || p1 > s.P() || p0 > p1)
    throw std::invalid_argument("conv2d CPU output rows [" + std::to_string(p0) + ", " + std::to_string(p1) +
                                ") are not inside [0, P=" + std::to_string(s.P()) + "]");
}

size_t Elems(long long a, long long b, long long c = 1, long long d = 1) { return static_cast<size_t>(a * b * c * d); }

// Grows `v` to at least n floats; never shrinks, so the timed path allocates only on a new, larger shape.
float* Scratch(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

bool Is1x1Plain(const ConvShape& s) {
  return s.R == 1 && s.S == 1 && s.strideH == 1 && s.strideW == 1 && s.padH == 0 && s.padW == 0;
}

// ---- im2col ---------------------------------------------------------------------------------------------

// The unrolled input of one image is the [C*R*S][P*Q] matrix whose row (c, r, t) holds
// X[c][p*sh - ph + r][q*sw - pw + t] for all (p, q), zero where that falls in the padding. Our GEMM reads it
// in column panels of `panel` floats, so it is stored panel-major: panel j/panel, row k, column j%panel at
// ((j / panel) * CRS + k) * panel + j % panel. Each panel is then one contiguous block and the GEMM's
// loads walk memory linearly (plain row-major with a P*Q stride made every k a new page: TLB misses).
// OpenBLAS packs for itself, so for it panel = P*Q, which is plain row-major.
struct Im2colJob {
  const ConvShape* s;
  const float* X;
  float* col;     // [batch][panels][C*R*S][panel]; column j is output position p0 * Q + j
  int panel;      // floats per panel row
  size_t image;   // floats per image in col
  int p0, p1;     // the output rows unrolled
  const int* inside;  // TapBounds
};

// Output columns q in [lo, hi) read inside the input for tap t; the others read padding.
void InsideColumns(const ConvShape& s, int t, int Q, int* lo, int* hi) {
  const int first = s.padW - t;  // smallest w index offset: q * sw >= padW - t
  *lo = first <= 0 ? 0 : (first + s.strideW - 1) / s.strideW;
  const int last = s.W - 1 + s.padW - t;  // q * sw <= W - 1 + padW - t
  *hi = last < 0 ? 0 : last / s.strideW + 1;
  if (*hi > Q) *hi = Q;
  if (*lo > *hi) *lo = *hi;
}

// Copies and zero fills of the short runs UnrollPanel writes (a panel's share of one output row: 7-64
// floats). In fixed 16-byte pieces, which the compiler turns into single vector moves, instead of memcpy
// and memset calls: for runs this short the calls' own overhead was most of the unroll (perf, C128 28x28
// 3x3, 16-channel slice on AVX2: memcpy/memset 31% of the call, the unroll loop around them 35%).
inline void CopyRun(float* d, const float* src, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) std::memcpy(d + i, src + i, 4 * sizeof(float));
  for (; i < n; ++i) d[i] = src[i];
}

inline void ZeroRun(float* d, int n) {
  static const float kZeros[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  int i = 0;
  for (; i + 4 <= n; i += 4) std::memcpy(d + i, kZeros, 4 * sizeof(float));
  for (; i < n; ++i) d[i] = 0.0f;
}

// Unrolls rows [k0, k1) of column panel `panel` (columns panel * cols, ..., n of them) of image img into B
// ([k1 - k0][cols], B's row 0 being row k0), one output row's segment of the panel at a time (1-2 segments
// for Q >= cols). Runs once per unit (one row per call in Im2col's shared pass), as often as every 16
// columns, so the bounds of every tap come from `inside` (InsideColumns of tap t at [2t], [2t + 1]), the
// rows go by (c, r) with the taps of one input row innermost, and the copies are inline.
void UnrollPanel(const ConvShape& s, const float* X, const int* inside, int p0, int cols, int img, int panel, int n,
                 int k0, int k1, float* B) {
  const int Q = s.Q(), j0 = panel * cols, sw = s.strideW, S = s.S, RS = s.R * s.S;
  const size_t plane = Elems(s.H, s.W);
  int p = p0 + j0 / Q, q = j0 % Q;
  for (int off = 0; off < n; ++p, q = 0) {
    const int end = Q - q < n - off ? Q : q + (n - off);
    float* d = B + off - q;  // d[q] is column q of this output row in B's current row
    int c = k0 / RS, r = k0 % RS / S, t0 = k0 % S;
    for (int k = k0; k < k1;) {
      const int t1 = S < t0 + (k1 - k) ? S : t0 + (k1 - k);  // taps of input row (c, h) in [k, k1)
      const int h = p * s.strideH - s.padH + r;
      if (h < 0 || h >= s.H) {
        for (int t = t0; t < t1; ++t, d += cols) ZeroRun(d + q, end - q);
      } else {
        // row[q * sw + t] is input column q * sw - padW + t of row h.
        const float* row = X + Elems(img * s.C + c, 1) * plane + Elems(h, s.W) - s.padW;
        for (int t = t0; t < t1; ++t, d += cols) {
          const int lo = inside[2 * t], hi = inside[2 * t + 1];
          const int a = lo > q ? (lo < end ? lo : end) : q, b = hi < end ? (hi > a ? hi : a) : end;
          ZeroRun(d + q, a - q);
          if (sw == 1) CopyRun(d + a, row + t + a, b - a);
          else
            for (int i = a; i < b; ++i) d[i] = row[t + i * sw];
          ZeroRun(d + b, end - b);
        }
      }
      k += t1 - t0;
      t0 = 0;
      if (++r == s.R) r = 0, ++c;
    }
    off += end - q;
  }
}

// InsideColumns of every tap, as UnrollPanel reads them.
const int* TapBounds(const ConvShape& s) {
  static std::vector<int> bounds;
  bounds.resize(2 * static_cast<size_t>(s.S));
  for (int t = 0; t < s.S; ++t) InsideColumns(s, t, s.Q(), &bounds[2 * t], &bounds[2 * t + 1]);
  return bounds.data();
}

void Im2col(const Im2colJob& job, ThreadPool& pool) {
  const ConvShape& s = *job.s;
  // One unit per matrix row (image, c, r, t): a 3-channel stem still has 147 rows to share out.
  pool.ParallelFor(s.batch * s.C * s.R * s.S, [&job](int u0, int u1, int) {
    const ConvShape& s = *job.s;
    const int NQ = (job.p1 - job.p0) * s.Q(), CRS = s.C * s.R * s.S, panel = job.panel;
    for (int u = u0; u < u1; ++u) {
      const int img = u / CRS, k = u % CRS;
      for (int j0 = 0, pi = 0; j0 < NQ; j0 += panel, ++pi)
        UnrollPanel(s, job.X, job.inside, job.p0, panel, img, pi, panel < NQ - j0 ? panel : NQ - j0, k, k + 1,
                    job.col + job.image * img + Elems(static_cast<long long>(pi) * CRS + k, panel));
    }
  });
}

// The unrolled input of output rows [p0, p1) of every image: with inPlace (1x1/stride 1/no padding) X
// itself from position p0 * Q on (it already is that matrix, rows P*Q apart), else the scratch filled by
// Im2col (panels of `panel` columns over the (p1 - p0) * Q positions).
const float* Unroll(const ConvShape& s, const float* X, int panel, ThreadPool& pool, int p0, int p1, bool inPlace) {
  if (inPlace) return X + Elems(p0, s.Q());
  const int NQ = (p1 - p0) * s.Q();
  static std::vector<float> colScratch;
  const int panels = (NQ + panel - 1) / panel;
  const size_t image = Elems(panels, s.C * s.R * s.S, panel);
  const Im2colJob job{&s, X, Scratch(colScratch, image * s.batch), panel, image, p0, p1, TapBounds(s)};
  Im2col(job, pool);
  return job.col;
}

struct GemmJob {
  const KernelTable* kernels;
  const ConvShape* s;
  const float *col, *W, *b;
  float* Y;
  int row0, row1;
  int panels, chunks, chunkRows;  // column panels per image, channel chunks, channels per chunk
  int ldb;                        // floats per row of one panel: nnCols, or P*Q when col is X itself
  size_t panelFloats, imageFloats;
  int nq = 0;                     // output positions computed: (p1 - p0) * Q
  size_t yOff = 0;                // position of the first one in each output plane: p0 * Q
  // Fused (set when the layer has a column panel per thread or more): col is null and each unit unrolls its
  // panel into its thread's `local` block ([C*R*S][nnCols] floats per thread) unless that block already
  // holds it (held[thread] == image * panels + panel, written and read only by that thread).
  const float* X = nullptr;
  int p0 = 0;
  float* local = nullptr;
  int* held = nullptr;
  const int* inside = nullptr;  // InsideColumns of each tap t: lo at [2t], hi at [2t + 1]
};

void RunSimdIm2col(const GemmJob& job, ThreadPool& pool) {
  const int units = job.s->batch * job.chunks * job.panels;
  if (job.held)
    for (int i = 0; i < pool.Threads(); ++i) job.held[i] = -1;
  pool.ParallelFor(units, [&job](int u0, int u1, int thread) {
    const ConvShape& s = *job.s;
    const int PQ = s.P() * s.Q(), NQ = job.nq, CRS = s.C * s.R * s.S, cols = job.kernels->nnCols;
    for (int u = u0; u < u1; ++u) {
      // Chunks fastest: a thread's run of units shares one column panel (read from L3 once, then from L2)
      // while the weights, the smaller operand, stay in L2 across panels.
      const int chunk = u % job.chunks, panel = (u / job.chunks) % job.panels, img = u / (job.panels * job.chunks);
      const int f0 = job.row0 + chunk * job.chunkRows;
      const int f1 = f0 + job.chunkRows < job.row1 ? f0 + job.chunkRows : job.row1;
      const int j0 = panel * cols;
      const int n = j0 + cols < NQ ? cols : NQ - j0;
      if (f0 >= f1) continue;
      const float* B;
      if (job.local) {
        float* mine = job.local + Elems(thread, CRS, cols);
        if (job.held[thread] != img * job.panels + panel) {
          UnrollPanel(s, job.X, job.inside, job.p0, cols, img, panel, n, 0, CRS, mine);
          job.held[thread] = img * job.panels + panel;
        }
        B = mine;
      } else {
        B = job.col + job.imageFloats * img + job.panelFloats * panel;
      }
      job.kernels->gemmNN(f1 - f0, n, CRS, job.W + Elems(f0, CRS), CRS, B, job.ldb,
                          job.Y + Elems(img * s.F + f0, PQ) + job.yOff + j0, PQ, job.b ? job.b + f0 : nullptr);
    }
  });
}

// Fewer column panels than threads (late layers with 8x8 or 7x7 outputs are one panel; thin height
// slices): the units split K (the C*R*S rows of the unrolled matrix) instead of only the channels. Each
// unit unrolls its own rows of a panel and multiplies them with the matching columns of every weight row
// of the slice into its own partial block; a second pass sums a panel's partial blocks into Y. The shared
// unroll it replaces made every channel chunk read the whole panel (C*R*S x nnCols floats: 295 KB for
// C384 1x3) from the caches of the cores that wrote it, a per-call cost that does not shrink with the
// slice; here each unit reads only its rows, and the second pass reads (slice rows x nnCols) floats per
// part.
struct SplitKJob {
  const KernelTable* kernels;
  const ConvShape* s;
  const float *X, *W, *b;
  float* Y;
  int row0, row1, p0;
  int panels, parts, kPart;  // column panels per image, K parts per panel, rows of K per part
  int nq;                    // output positions computed: (p1 - p0) * Q
  const int* inside;         // TapBounds
  float* local;              // per thread: kPart x nnCols, the unit's unrolled rows
  float* partial;            // per unit (image, panel, part): (row1 - row0) x nnCols
};

void SimdIm2colSplitK(const SplitKJob& job, ThreadPool& pool) {
  const ConvShape& s = *job.s;
  const int rows = job.row1 - job.row0, cols = job.kernels->nnCols;
  pool.ParallelFor(s.batch * job.panels * job.parts, [&job, rows, cols](int u0, int u1, int thread) {
    const ConvShape& s = *job.s;
    const int CRS = s.C * s.R * s.S;
    float* mine = job.local + Elems(thread, job.kPart, cols);
    for (int u = u0; u < u1; ++u) {
      const int part = u % job.parts, panel = u / job.parts % job.panels, img = u / (job.parts * job.panels);
      const int k0 = part * job.kPart, k1 = k0 + job.kPart < CRS ? k0 + job.kPart : CRS;
      const int n = panel * cols + cols < job.nq ? cols : job.nq - panel * cols;
      UnrollPanel(s, job.X, job.inside, job.p0, cols, img, panel, n, k0, k1, mine);
      job.kernels->gemmNN(rows, n, k1 - k0, job.W + Elems(job.row0, CRS) + k0, CRS, mine, cols,
                          job.partial + Elems(u, rows, cols), cols, nullptr);
    }
  });
  // Sum the parts: one unit per (image, panel, output channel).
  pool.ParallelFor(s.batch * job.panels * rows, [&job, rows, cols](int u0, int u1, int) {
    const ConvShape& s = *job.s;
    const int PQ = s.P() * s.Q();
    for (int u = u0; u < u1; ++u) {
      const int f = u % rows, panel = u / rows % job.panels, img = u / (rows * job.panels);
      const int j0 = panel * cols, n = j0 + cols < job.nq ? cols : job.nq - j0;
      float* y = job.Y + Elems(img * s.F + job.row0 + f, PQ) + Elems(job.p0, s.Q()) + j0;
      const float bias = job.b ? job.b[job.row0 + f] : 0.0f;
      const float* first = job.partial + Elems((img * job.panels + panel) * job.parts, rows, cols) + Elems(f, cols);
      for (int j = 0; j < n; ++j) y[j] = bias + first[j];
      for (int part = 1; part < job.parts; ++part) {
        const float* add = first + Elems(part, rows, cols);
        for (int j = 0; j < n; ++j) y[j] += add[j];
      }
    }
  });
}

// A plain 1x1 layer (X read in place) in column runs: the output positions of every image in one sequence of
// vectors, each thread given one contiguous run of them (StaticRange: an even share to the vector) and computing
// every row of the slice over it, in units of one register tile's width (nnCols) from the run's start, so only a
// run's last unit is narrow. Units go out under the pool's affine rule: a thread computes the same run at every
// call. Panels of nnCols alone left the busiest of 8 threads 7 of C64 56x56's 49 panels where the share is 6.1.
// On 8 threads of the GPU host this measured 0.92 on C256 56x56 1x1 and 0.84-0.88 on C144 56x56 F24, but no gain
// on C64 56x56 1x1 itself (results/benchmarks/cpu-8t-ab-gpu-host-20261206-s35/).
struct ColumnRunsJob {
  const KernelTable* kernels;
  const ConvShape* s;
  const float *X, *W, *b;  // X: image 0's input at output position p0 * Q
  float* Y;                // image 0's output channel 0 at position p0 * Q
  int row0, row1;
  int nq;                  // output positions per image: (p1 - p0) * Q
  int imageVectors;        // vectors per image: ceil(nq / width)
  int unitsPerThread;
};

void SimdIm2colColumnRuns(const ColumnRunsJob& job, ThreadPool& pool) {
  const int threads = pool.Threads();
  pool.ParallelFor(threads * job.unitsPerThread, [&job, threads](int u0, int u1, int) {
    const ConvShape& s = *job.s;
    const int PQ = s.P() * s.Q(), width = job.kernels->width, perUnit = job.kernels->nnCols / width;
    const int rows = job.row1 - job.row0;
    for (int u = u0; u < u1; ++u) {
      int runBegin = 0, runEnd = 0;
      StaticRange(s.batch * job.imageVectors, threads, u / job.unitsPerThread, &runBegin, &runEnd);
      int v = runBegin + (u % job.unitsPerThread) * perUnit;
      const int v1 = v + perUnit < runEnd ? v + perUnit : runEnd;
      while (v < v1) {  // one GEMM call per image the unit's vectors fall in
        const int img = v / job.imageVectors, first = img * job.imageVectors;
        const int stop = v1 < first + job.imageVectors ? v1 : first + job.imageVectors;
        const int c0 = (v - first) * width, c1 = (stop - first) * width < job.nq ? (stop - first) * width : job.nq;
        job.kernels->gemmNN(rows, c1 - c0, s.C, job.W + Elems(job.row0, s.C), s.C, job.X + Elems(img * s.C, PQ) + c0, PQ,
                            job.Y + Elems(img * s.F + job.row0, PQ) + c0, PQ, job.b ? job.b + job.row0 : nullptr);
        v = stop;
      }
    }
  }, /*sameUnitsEachCall=*/true);
}

void SimdIm2col(const KernelTable* kernels, const ConvShape& s, const float* X, const float* W, const float* b,
                float* Y, int row0, int row1, ThreadPool& pool, int p0, int p1) {
  const int PQ = s.P() * s.Q(), NQ = (p1 - p0) * s.Q(), cols = kernels->nnCols;
  // A plain 1x1 layer reads X in place: its [C][P*Q] rows are B, row-major with ldb = P*Q, panel j at
  // column j * cols. That measured 1.4x faster than re-packing X into panels first (256x56x56 F64, one
  // thread, AVX-512), the copy being a whole extra pass over the input.
  const bool inPlace = Is1x1Plain(s);
  const int panel = inPlace ? PQ : cols, panels = (NQ + cols - 1) / cols;
  const int threads = pool.Threads(), imageVectors = (NQ + kernels->width - 1) / kernels->width;
  const int vectorsPerUnit = cols / kernels->width, vectors = s.batch * imageVectors;
  if (inPlace && threads > 1 && vectors >= threads * vectorsPerUnit) {
    const int longestRun = (vectors + threads - 1) / threads;
    const ColumnRunsJob job{kernels, &s, X + Elems(p0, s.Q()), W, b, Y + Elems(p0, s.Q()), row0, row1, NQ, imageVectors,
                            (longestRun + vectorsPerUnit - 1) / vectorsPerUnit};
    return SimdIm2colColumnRuns(job, pool);
  }
  // Split the channels too when there are too few column panels for an even share per thread (late layers
  // have small P*Q). ParallelFor hands the busiest thread ceil(units / threads) units, so pick the chunk
  // (whole row tiles) that minimises that many units times the tiles in each plus a unit's own cost, a
  // quarter tile; on ties the larger chunk, which re-reads each panel fewer times. One thread gets one chunk
  // of all rows. The unit's cost: each unit is a GEMM call over its panel. Counting tiles alone, two threads
  // cut C64 56x56 3x3 and C256 56x56 1x1 into one-tile units whose work summed to 1.19-1.20x the one-thread
  // pass (2-core VM, s33: results/benchmarks/conv-passes-vm-20261206-s33/); with the quarter tile they stay
  // whole and ran in 0.95 and 0.88 of the time (results/benchmarks/im2col-unit-cost-vm-20261206-s33/).
  constexpr long long kUnitCostQuarterTiles = 1;
  const int tiles = (row1 - row0 + kernels->nnRows - 1) / kernels->nnRows;
  int tilesPerChunk = tiles;
  long long bestCost = -1;
  for (int tpc = tiles; tpc >= 1; --tpc) {
    const long long units = static_cast<long long>(s.batch) * panels * ((tiles + tpc - 1) / tpc);
    const long long cost = (units + threads - 1) / threads * (4LL * tpc + kUnitCostQuarterTiles);
    if (bestCost < 0 || cost < bestCost) bestCost = cost, tilesPerChunk = tpc;
  }
  const int chunks = (tiles + tilesPerChunk - 1) / tilesPerChunk;
  // With a column panel per thread or more, each unit unrolls its own panel right before its GEMM, in one
  // ParallelFor: the panel is then read from the thread's own cache instead of being gathered from the
  // cores that unrolled its rows, and the call pays one pool wake-up and barrier instead of two.
  const bool fused = !inPlace && s.batch * panels >= threads;
  // Fewer panels than threads (late layers: 8x8 or 7x7 outputs are a single panel on AVX-512): several
  // threads would each unroll the same panel, so split K instead, into parts of at least kMinPart rows
  // (shorter parts would spend more on each register tile's set-up and store than on its FMAs), where that
  // moves fewer floats between cores than the shared unroll: there each channel chunk reads its panel's
  // C*R*S x nnCols floats, here each part writes and the sum reads (row1 - row0) x nnCols. Thin channel
  // slices on many threads gain most (C384 1x3, 32 channels, 15 threads: 6 chunks x 1152 rows against
  // 15 parts x 2 x 32); a whole layer on 2 threads measured no better split.
  constexpr int kMinPart = 32;
  const int CRS = s.C * s.R * s.S, perPanel = (threads + s.batch * panels - 1) / (s.batch * panels);
  const int maxParts = CRS / kMinPart;
  int parts = perPanel < maxParts ? perPanel : maxParts;
  // Enough parts for a unit per thread is not yet an even share: 4 panels (C256 14x14: 196 positions) in
  // 4 parts are 16 units, so on 15 threads one thread runs two and the call takes about twice its share.
  // Take the part count that gives the busiest thread the least work, ceil(panels * parts / threads)
  // units of kPart K rows each plus kPartCost for the unit's partial block (written, then read back by
  // the sum from another core; an estimate, about what 16 K rows of FMAs take): C256 14x14 on 15 threads
  // gets 15 parts (60 units, 4 each), a single panel keeps one part per thread. On ties the fewer parts;
  // only as many as still move fewer floats than the shared unroll (the test below).
  constexpr int kPartCost = 16;
  const long long tasks = static_cast<long long>(s.batch) * panels, unrolled = static_cast<long long>(chunks) * CRS;
  const auto busiest = [&](int n) { return (tasks * n + threads - 1) / threads * ((CRS + n - 1) / n + kPartCost); };
  for (int more = parts + 1; more <= maxParts && unrolled > 2LL * more * (row1 - row0); ++more)
    if (busiest(more) < busiest(parts)) parts = more;
  if (!inPlace && !fused && parts >= 2 && unrolled > 2LL * parts * (row1 - row0)) {
    static std::vector<float> localScratch, partialScratch;
    const int kPart = (CRS + parts - 1) / parts, units = s.batch * panels * parts;
    const SplitKJob job{kernels, &s, X, W, b, Y, row0, row1, p0, panels, (CRS + kPart - 1) / kPart, kPart, NQ,
                        TapBounds(s), Scratch(localScratch, Elems(threads, kPart, cols)),
                        Scratch(partialScratch, Elems(units, row1 - row0, cols))};
    return SimdIm2colSplitK(job, pool);
  }
  static std::vector<float> localScratch;
  static std::vector<int> heldScratch;
  const float* col = fused ? nullptr : Unroll(s, X, panel, pool, p0, p1, inPlace);
  GemmJob job{kernels, &s, col, W, b, Y, row0, row1, 0, 1, 0, panel, 0, 0};
  job.nq = NQ;
  job.yOff = Elems(p0, s.Q());
  job.panels = panels;
  if (fused) {
    job.X = X;
    job.p0 = p0;
    job.local = Scratch(localScratch, Elems(threads, CRS, cols));
    if (heldScratch.size() < static_cast<size_t>(threads)) heldScratch.resize(threads);
    job.held = heldScratch.data();
    job.inside = TapBounds(s);
  }
  job.panelFloats = inPlace ? static_cast<size_t>(cols) : Elems(CRS, panel);
  job.imageFloats = inPlace ? Elems(s.C, PQ) : job.panelFloats * job.panels;
  job.chunkRows = tilesPerChunk * kernels->nnRows;
  job.chunks = chunks;
  RunSimdIm2col(job, pool);
}

void OpenBlasIm2col(const ConvShape& s, const float* X, const float* W, const float* b, float* Y, int row0,
                    int row1, ThreadPool& pool, int p0, int p1) {
  cpu::OpenBlas& blas = cpu::GetOpenBlas();
  const int PQ = s.P() * s.Q(), NQ = (p1 - p0) * s.Q(), CRS = s.C * s.R * s.S, rows = row1 - row0;
  // Row-major [CRS][NQ] (one panel), or X itself with rows P*Q apart.
  const bool inPlace = Is1x1Plain(s);
  const float* col = Unroll(s, X, NQ, pool, p0, p1, inPlace);
  const int ldb = inPlace ? PQ : NQ;
  pool.Park();  // OpenBLAS brings its own threads: free the cores for them
  blas.UseThreads(pool.Threads());
  for (int img = 0; img < s.batch; ++img) {
    float* Yimg = Y + Elems(img * s.F + row0, PQ) + Elems(p0, s.Q());
    // beta = 1 over a bias-initialised output adds the bias without a second pass.
    for (int f = 0; f < rows; ++f)
      for (int j = 0; j < NQ; ++j) Yimg[Elems(f, PQ) + j] = b ? b[row0 + f] : 0.0f;
    blas.sgemm(cpu::kCblasRowMajor, cpu::kCblasNoTrans, cpu::kCblasNoTrans, rows, NQ, CRS, 1.0f,
               W + Elems(row0, CRS), CRS, col + Elems(img, CRS, ldb), ldb, 1.0f, Yimg, PQ);
  }
}

// ---- direct ---------------------------------------------------------------------------------------------

struct PadJob {
  const ConvShape* s;
  const float* X;
  float* xp;
  int Hp, Wq;
  int hp0, hp1;  // the padded rows filled: those the computed output rows read
  // Units in (image, hp, c) order, each thread given the same ones at every call (the pool's affine rule), so
  // that a thread pads the rows its own compute units read (SimdDirectFlat). Otherwise (image, c, hp), balanced.
  bool spatial = false;
};

// Fills the padded, phase-split copy: element (c, h, w) of the padded input at
// xp[((img*C + c) * Hp + h) * sw + w % sw) * Wq + w / sw]; zeros in the padding and the over-read room.
void PadInput(const PadJob& job, ThreadPool& pool) {
  const ConvShape& s = *job.s;
  // One unit per padded row (image, c, hp), so that few channels (a stem) still spread over every thread.
  const int rows = job.hp1 - job.hp0;
  pool.ParallelFor(s.batch * s.C * rows, [&job, rows](int u0, int u1, int) {
    const ConvShape& s = *job.s;
    const int sw = s.strideW;
    for (int u = u0; u < u1; ++u) {
      const int img = u / (rows * s.C), rest = u % (rows * s.C);
      const int hp = job.hp0 + (job.spatial ? rest / s.C : rest % rows);
      const int planeIndex = img * s.C + (job.spatial ? rest % s.C : rest / rows);
      const float* plane = job.X + Elems(planeIndex, s.H, s.W);
      float* out = job.xp + Elems(planeIndex * job.Hp + hp, sw, job.Wq);
      const int h = hp - s.padH;
      for (int ph = 0; ph < sw; ++ph, out += job.Wq) {
        if (h < 0 || h >= s.H) {
          for (int i = 0; i < job.Wq; ++i) out[i] = 0.0f;
          continue;
        }
        // out[i] = src[ph + sw * i - padW] for i in [lo, hi) (inside the row), zero elsewhere: a copy and two
        // fills instead of a bounds test per float (the pad pass was 18% of a 16-channel slice of C128
        // 28x28 3x3 on one AVX2 thread).
        const float* src = plane + h * s.W + ph - s.padW;
        const int first = s.padW - ph, last = s.W - 1 + s.padW - ph;
        int lo = first <= 0 ? 0 : (first + sw - 1) / sw, hi = last < 0 ? 0 : last / sw + 1;
        if (lo > job.Wq) lo = job.Wq;
        if (hi > job.Wq) hi = job.Wq;
        if (hi < lo) hi = lo;
        std::memset(out, 0, sizeof(float) * lo);
        if (sw == 1) std::memcpy(out + lo, src + lo, sizeof(float) * (hi - lo));
        else
          for (int i = lo; i < hi; ++i) out[i] = src[sw * i];
        std::memset(out + hi, 0, sizeof(float) * (job.Wq - hi));
      }
    }
  }, /*sameUnitsEachCall=*/job.spatial);
}

struct DirectJob {
  const KernelTable* kernels;
  const ConvShape* s;
  DirectConvArgs args;  // image 0; per image only xp and y move
  int row0, row1, tiles;
  int pBegin, pCount;      // the output rows computed: [pBegin, pBegin + pCount)
  size_t xpImage, yImage;  // floats per image in xp and Y
  bool rowFastest;         // unit order: (image, tile, row) if true, else (image, row, tile)
  bool wide;               // directConvWide instead of directConv
  // In place (no padding, column stride 1): args read X itself, except the last image's rows from
  // tailFrom on, whose last register tile would read past X's end; those read `tail` (that image's input
  // rows from tailFrom * sh on, padded as PadInput pads, tailRows of them per channel).
  int tailFrom = 0;
  DirectConvArgs tail;
};

// The kernel call for tiles' channels [f0, f1) and output rows [p0, p1) of image img.
void RunDirect(const DirectJob& job, int img, int f0, int f1, int p0, int p1) {
  const auto kernel = job.wide ? job.kernels->directConvWide : job.kernels->directConv;
  const int last = job.s->batch - 1;
  if (img == last && p1 > job.tailFrom) {
    if (p0 < job.tailFrom) RunDirect(job, img, f0, f1, p0, job.tailFrom);
    DirectConvArgs a = job.tail;  // row 0 of the tail is output row tailFrom
    a.y += job.yImage * img + Elems(job.tailFrom, a.Q);
    const int from = p0 > job.tailFrom ? p0 : job.tailFrom;
    return kernel(a, f0, f1, from - job.tailFrom, p1 - job.tailFrom);
  }
  DirectConvArgs a = job.args;
  a.xp += job.xpImage * img;
  a.y += job.yImage * img;
  kernel(a, f0, f1, p0, p1);
}

// Padded rows [*hp0, *hp1) that output rows [p0, p1) read.
void PaddedRows(const ConvShape& s, int p0, int p1, int* hp0, int* hp1) {
  const int Hp = s.H + 2 * s.padH, last = (p1 - 1) * s.strideH + s.R;
  *hp0 = p0 * s.strideH;
  *hp1 = last < Hp ? last : Hp;
}

void SimdDirect(const KernelTable* kernels, const ConvShape& s, const float* X, const float* W, const float* b,
                float* Y, int row0, int row1, ThreadPool& pool, int p0, int p1) {
  static std::vector<float> padScratch;
  const int P = s.P(), Q = s.Q(), sw = s.strideW;
  const int Hp = s.H + 2 * s.padH;
  // The wide tile (more accumulators per load) whenever it pads a row no further than the narrow one:
  // Q = 112 or 56 fill 128 or 64 columns either way on AVX-512, while Q = 28 would pay 64 for 32.
  const auto roundUp = [Q](int cols) { return (Q + cols - 1) / cols * cols; };
  const bool wide = roundUp(kernels->wideCols) <= roundUp(kernels->directCols);
  const int cols = wide ? kernels->wideCols : kernels->directCols;
  // Room for the kernel's reads: whole register tiles of columns, shifted by up to (S-1)/sw per tap.
  const int Wq = roundUp(cols) + (s.S - 1) / sw;
  DirectJob job{kernels, &s, DirectConvArgs{}, row0, row1, 0, p0, p1 - p0, 0, Elems(s.F, P, Q), true, wide, P, {}};
  if (s.padH == 0 && s.padW == 0 && sw == 1) {
    // No padding and column stride 1: X already is the layout the kernel reads (rows W apart, one phase),
    // so it reads X in place and the call skips the pass over all of X (per call, whatever the slice: a
    // 10% channel slice of a 1x1 layer paid a copy of the whole input). A row's last register tile reads
    // up to roundUp(Q) + S - 2 columns, past the row into the next one (those columns are not stored),
    // and past X's end only in the last image's last rows: those read a padded copy of their input rows.
    const long long plane = static_cast<long long>(s.H) * s.W;
    while (job.tailFrom > 0 &&
           static_cast<long long>((job.tailFrom - 1) * s.strideH + s.R - 1) * s.W + roundUp(cols) + s.S - 2 >= plane)
      --job.tailFrom;
    job.xpImage = Elems(s.C, s.H, s.W);
    job.args = DirectConvArgs{X, s.C, s.H, s.W, s.R, s.S, s.strideH, 1, P, Q, W, b, Y};
    if (job.tailFrom < p1) {
      const int h0 = job.tailFrom * s.strideH, rows = s.H - h0;
      float* tail = Scratch(padScratch, Elems(s.C, rows, Wq));
      const float* x = X + Elems(s.batch - 1, s.C, s.H, s.W);
      for (int c = 0; c < s.C; ++c)
        for (int h = 0; h < rows; ++h) {
          float* out = tail + Elems(c * rows + h, Wq);
          std::memcpy(out, x + Elems(c, s.H, s.W) + Elems(h0 + h, s.W), sizeof(float) * s.W);
          std::memset(out + s.W, 0, sizeof(float) * (Wq - s.W));
        }
      job.tail = DirectConvArgs{tail, s.C, rows, Wq, s.R, s.S, s.strideH, 1, P, Q, W, b, Y};
    }
  } else {
    PadJob pad{&s, X, Scratch(padScratch, Elems(s.batch * s.C, Hp, sw, Wq)), Hp, Wq, 0, 0};
    PaddedRows(s, p0, p1, &pad.hp0, &pad.hp1);
    PadInput(pad, pool);
    job.xpImage = Elems(s.C, Hp, sw, Wq);
    job.args = DirectConvArgs{pad.xp, s.C, Hp, Wq, s.R, s.S, s.strideH, sw, P, Q, W, b, Y};
  }
  job.tiles = (row1 - row0 + kernels->directRows - 1) / kernels->directRows;
  // Unit order decides which operand is re-read from further away: with the output row fastest, a channel
  // tile's weights stay in L1 while the whole input streams past once per tile; with the channel tile
  // fastest, one output row's input window stays in cache while all weights stream past once per row.
  // Re-stream the smaller of the two.
  const size_t weightFloats = Elems(row1 - row0, s.C, s.R, s.S), inputFloats = job.xpImage;
  job.rowFastest = weightFloats > inputFloats;
  pool.ParallelFor(s.batch * job.tiles * job.pCount, [&job](int u0, int u1, int) {
    // Decoded over the computed rows [0, pCount), shifted to pBegin for the kernel.
    const int P = job.pCount, fb = job.kernels->directRows;
    for (int u = u0; u < u1;) {
      // Decode the unit, then merge the following units that extend the same call (consecutive rows of one
      // tile, or consecutive tiles of one row).
      int img, tile, p0, p1, tile1;
      if (job.rowFastest) {
        p0 = u % P, tile = (u / P) % job.tiles, img = u / (P * job.tiles);
        p1 = p0 + (u1 - u) < P ? p0 + (u1 - u) : P;
        tile1 = tile + 1;
      } else {
        tile = u % job.tiles, p0 = (u / job.tiles) % P, img = u / (P * job.tiles);
        p1 = p0 + 1;
        tile1 = tile + (u1 - u) < job.tiles ? tile + (u1 - u) : job.tiles;
      }
      const int f0 = job.row0 + tile * fb, f1 = job.row0 + tile1 * fb;
      RunDirect(job, img, f0, f1 < job.row1 ? f1 : job.row1, job.pBegin + p0, job.pBegin + p1);
      u += (p1 - p0) * (tile1 - tile);
    }
  });
}

// Stride 1 in both directions: the output is computed over the flattened padded width instead of row by
// row. Output (p, q) sits at o = p * Wp + q of a [P][Wp] plane (Wp = W + 2 * padW), and tap (r, s) of every
// output then reads the padded input at o + r * Wp + s: one contiguous run for the whole plane. The kernel
// sees that plane as a single output row (P = 1, Q = the chunk's length), so its register tiles run on
// across row ends and only the Wp - Q columns per row are wasted (3-14% for Q = 56..14), where row-by-row
// tiles round every row of Q up to whole tiles (12.5% for Q = 56, 28 or 14 with 32-float tiles); and since
// the row is long, the kernel runs its wider tile (wideCols). Each unit (image, channel tile, chunk of o)
// computes into a per-thread buffer and copies its valid columns out.
struct FlatJob {
  const KernelTable* kernels;
  const ConvShape* s;
  const float *xp, *W, *b;
  float* Y;
  float* temp;  // per thread: directRows x chunk
  int row0, row1, tiles, chunk, chunks, Wp, Hp;
  bool chunkFastest;
  int flatBegin = 0, flatEnd = 0;  // the flattened outputs computed: output rows [p0, p1) times Wp
  // In place (no padding: xp is X): the last image's chunks from tailChunk on would read past X's end, so
  // they read `tail`, that image's planes from flattened position tailOrigin on (tailHp rows each) and
  // zeroed slack.
  int tailChunk = 0, tailOrigin = 0, tailHp = 0;
  const float* tail = nullptr;
};

void RunFlatUnit(const FlatJob& job, int img, int tile, int ci, float* temp) {
  const ConvShape& s = *job.s;
  const int P = s.P(), Q = s.Q(), CRS = s.C * s.R * s.S, fb = job.kernels->directRows;
  const int f0 = job.row0 + tile * fb, f1 = f0 + fb < job.row1 ? f0 + fb : job.row1;
  const int o0 = job.flatBegin + ci * job.chunk, o1 = o0 + job.chunk < job.flatEnd ? o0 + job.chunk : job.flatEnd;
  const bool tail = img == s.batch - 1 && ci >= job.tailChunk;
  DirectConvArgs a{tail ? job.tail + (o0 - job.tailOrigin) : job.xp + Elems(img * s.C, job.Hp, job.Wp) + o0, s.C,
                   tail ? job.tailHp : job.Hp, job.Wp, s.R, s.S, 1, 1, 1, o1 - o0, job.W + Elems(f0, CRS),
                   job.b ? job.b + f0 : nullptr, temp};
  job.kernels->directConvWide(a, 0, f1 - f0, 0, 1);
  for (int f = f0; f < f1; ++f) {
    const float* src = temp + Elems(f - f0, o1 - o0);
    float* out = job.Y + Elems(img * s.F + f, P, Q);
    for (int o = o0; o < o1;) {
      const int p = o / job.Wp, q = o - p * job.Wp;
      if (q >= Q) {
        o = (p + 1) * job.Wp;
        continue;
      }
      const int run = Q - q < o1 - o ? Q - q : o1 - o;
      float* dst = out + Elems(p, Q) + q;
      const float* from = src + (o - o0);
      for (int i = 0; i < run; ++i) dst[i] = from[i];
      o += run;
    }
  }
}

void SimdDirectFlat(const KernelTable* kernels, const ConvShape& s, const float* X, const float* W,
                    const float* b, float* Y, int row0, int row1, ThreadPool& pool, int p0, int p1) {
  static std::vector<float> padScratch, tempScratch;
  const int Hp = s.H + 2 * s.padH, Wp = s.W + 2 * s.padW;
  const int cols = kernels->wideCols;
  // The last tile of a plane reads up to a whole tile plus S - 1 floats past the plane's last output: the
  // next plane's data (feeding only discarded columns) or, after the last plane, this zeroed slack.
  const size_t slack = static_cast<size_t>(cols) + s.S;
  // Without padding the flattened plane is X itself: no pad pass (as in SimdDirect).
  const bool inPlace = s.padH == 0 && s.padW == 0;
  const size_t padFloats = Elems(s.batch * s.C, Hp, Wp);
  float* xp = inPlace ? nullptr : Scratch(padScratch, padFloats + slack);

  FlatJob job{kernels, &s, inPlace ? X : xp, W, b, Y, nullptr, row0, row1, 0, 0, 0, Wp, Hp, true};
  job.flatBegin = p0 * Wp;
  job.flatEnd = p1 * Wp;
  job.tiles = (row1 - row0 + kernels->directRows - 1) / kernels->directRows;
  // Chunks of whole register tiles, enough for about 8 units per thread, at most 512 floats long (the
  // per-thread buffer of directRows x chunk floats stays in L1).
  const int flat = (p1 - p0) * Wp, flatTiles = (flat + cols - 1) / cols, maxTiles = 512 / cols > 1 ? 512 / cols : 1;
  const int wantedChunks = (8 * pool.Threads() + s.batch * job.tiles - 1) / (s.batch * job.tiles);
  int tilesPerChunk = (flatTiles + wantedChunks - 1) / wantedChunks;
  if (tilesPerChunk > maxTiles) tilesPerChunk = maxTiles;
  if (tilesPerChunk < 1) tilesPerChunk = 1;
  job.chunk = tilesPerChunk * cols;
  job.chunks = (flat + job.chunk - 1) / job.chunk;
  job.chunkFastest = Elems(row1 - row0, s.C, s.R, s.S) > Elems(s.C, Hp, Wp);
  // A padded plane computed tiles fastest in two chunks or more: each thread's units cover a run of the plane, so
  // the pool gives each thread the same units at every call (its affine rule) and the thread copies the padded
  // rows of its own run (PadJob::spatial), in the copy pass under the same rule. A copy written by one core and
  // read by others took as long on 8 threads of the GPU host as on one (C64 56x56 3x3: about 100 us, 27% of the
  // layer; results/benchmarks/conv-passes-gpu-host-20261206-s34/). On the 2-core VM this made C64 56x56 3x3 0.92 of
  // its time and its CPU slices 0.76-0.83 (results/benchmarks/flat-pad-affine-vm-20261206-s34/); chunk-fastest
  // planes (every unit reads every row) keep the shared copy and the balanced rule.
  const bool affine = !inPlace && !job.chunkFastest && job.chunks >= 2;
  if (!inPlace) {
    PadJob pad{&s, X, xp, Hp, Wp, 0, 0, /*spatial=*/affine};
    PaddedRows(s, p0, p1, &pad.hp0, &pad.hp1);
    PadInput(pad, pool);
    for (size_t i = 0; i < slack; ++i) xp[padFloats + i] = 0.0f;
  }
  job.temp = Scratch(tempScratch, Elems(pool.Threads(), kernels->directRows, job.chunk));
  job.tailChunk = job.chunks;
  if (inPlace) {
    // A chunk reads up to its last whole tile plus (R - 1) rows and S - 1 floats past its start in every
    // plane; in the last plane of the last image that must stay inside X, or the chunk reads the tail copy.
    const auto reach = [&](int ci) {
      const int o0 = job.flatBegin + ci * job.chunk, n = job.flatEnd - o0 < job.chunk ? job.flatEnd - o0 : job.chunk;
      return static_cast<long long>(o0) + (n + cols - 1) / cols * cols + (s.R - 1) * Wp + s.S - 1;
    };
    while (job.tailChunk > 0 && reach(job.tailChunk - 1) > static_cast<long long>(Hp) * Wp) --job.tailChunk;
    if (job.tailChunk < job.chunks) {
      const int h0 = (job.flatBegin + job.tailChunk * job.chunk) / Wp;
      job.tailOrigin = h0 * Wp;
      job.tailHp = Hp - h0;
      const size_t planeTail = Elems(job.tailHp, Wp), tailFloats = Elems(s.C, 1) * planeTail;
      float* tail = Scratch(padScratch, tailFloats + slack);
      const float* last = X + Elems(s.batch - 1, s.C, Hp, Wp) + job.tailOrigin;
      for (int c = 0; c < s.C; ++c) std::memcpy(tail + c * planeTail, last + Elems(c, Hp, Wp), sizeof(float) * planeTail);
      for (size_t i = 0; i < slack; ++i) tail[tailFloats + i] = 0.0f;
      job.tail = tail;
    }
  }
  // As in SimdDirect: re-stream the smaller operand (weights of the slice vs one image's padded input; chunkFastest above).
  pool.ParallelFor(s.batch * job.tiles * job.chunks, [&job](int u0, int u1, int thread) {
    float* temp = job.temp + Elems(thread, job.kernels->directRows, job.chunk);
    for (int u = u0; u < u1; ++u) {
      const int img = u / (job.tiles * job.chunks), rest = u % (job.tiles * job.chunks);
      const int tile = job.chunkFastest ? rest / job.chunks : rest % job.tiles;
      const int ci = job.chunkFastest ? rest % job.chunks : rest / job.tiles;
      RunFlatUnit(job, img, tile, ci, temp);
    }
  }, /*sameUnitsEachCall=*/affine);
}

}  // namespace

void Conv2dCpu(const std::string& impl, const ConvShape& s, const float* X, const float* W, const float* b,
               float* Y, int row0, int row1, ThreadPool& pool) {
  Conv2dCpu(impl, s, X, W, b, Y, row0, row1, pool, 0, s.P());
}

void Conv2dCpu(const std::string& impl, const ConvShape& s, const float* X, const float* W, const float* b,
               float* Y, int row0, int row1, ThreadPool& pool, int p0, int p1) {
  CheckArgs(s, row0, row1, p0, p1);
  const cpu::ImplChoice choice = cpu::SelectImpl(impl, true);
  if (!choice.error.empty())
    throw std::invalid_argument(choice.error.rfind("unknown ", 0) == 0 ? choice.error : impl + ": " + choice.error);
  if (row0 == row1 || p0 == p1) return;
  if (choice.backend == cpu::Backend::kOpenBlas) return OpenBlasIm2col(s, X, W, b, Y, row0, row1, pool, p0, p1);
  // simd-flat needs stride 1 (one contiguous run per tap); a strided layer runs as simd-direct.
  if (choice.algo == cpu::ConvAlgo::kFlat && s.strideH == 1 && s.strideW == 1)
    return SimdDirectFlat(choice.kernels, s, X, W, b, Y, row0, row1, pool, p0, p1);
  if (choice.algo != cpu::ConvAlgo::kIm2col) return SimdDirect(choice.kernels, s, X, W, b, Y, row0, row1, pool, p0, p1);
  SimdIm2col(choice.kernels, s, X, W, b, Y, row0, row1, pool, p0, p1);
}

}  // namespace coexec
