// LinearCpu: output columns [row0, row1) of Y = X W^T + b for all M rows, with our kernels or OpenBLAS.
// The simd path splits the columns into register tiles and hands each pool thread a contiguous run of
// tiles; every thread reads all of X and only its own rows of W. Few rows of X (M up to half a gemmNN
// panel) use the dot-product kernels directly; more use the packed broadcast GEMM (RunPacked).
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu/cpu_layers.h"
#include "cpu/impl_select.h"
#include "cpu/openblas.h"

namespace coexec {

namespace {

void CheckArgs(const LinearShape& s, int row0, int row1) {
  if (s.M < 1 || s.N < 1 || s.K < 1)
    throw std::invalid_argument("linear shape must have M, N, K >= 1 (got M=" + std::to_string(s.M) +
                                " N=" + std::to_string(s.N) + " K=" + std::to_string(s.K) + ")");
  if (row0 < 0 || row1 > s.N || row0 > row1)
    throw std::invalid_argument("linear CPU rows [" + std::to_string(row0) + ", " + std::to_string(row1) +
                                ") are not inside [0, N=" + std::to_string(s.N) + "]");
}

// Everything a worker needs, captured by one reference so the std::function holding the lambda stays in
// its small-object buffer (no allocation per call).
struct LinearJob {
  const cpu::KernelTable* kernels;
  const LinearShape* s;
  const float *X, *W, *b;
  float* Y;
  int row0, row1, tile;
};

// Dot-product form for few rows of X: each tile of W rows is reduced against every X row, no packing.
void RunDot(const LinearJob& job, ThreadPool& pool) {
  const int tiles = (job.row1 - job.row0 + job.tile - 1) / job.tile;
  pool.ParallelFor(tiles, [&job](int t0, int t1, int) {
    const int j0 = job.row0 + t0 * job.tile;
    const int j1 = job.row0 + t1 * job.tile < job.row1 ? job.row0 + t1 * job.tile : job.row1;
    const int K = job.s->K;
    job.kernels->gemmNT(job.s->M, j1 - j0, K, job.X, K, job.W + static_cast<size_t>(j0) * K, K, job.Y + j0,
                        job.s->N, job.b ? job.b + j0 : nullptr);
  });
}

// Packed form for many rows of X. Y^T = W X^T is a broadcast GEMM with W as the row operand (each W value
// broadcast against a register of consecutive m) and X^T as the column operand, packed once per call into
// panels of nnCols columns of m ([panel][K][nnCols], the layout gemmNN streams linearly). Packing X (M*K
// floats) instead of W (N*K, the large operand) keeps the copy small; the price is a transpose of the
// output tile, done from a small per-thread buffer while it is still in L1. Each W value loaded feeds
// a whole register tile of FMAs instead of one dot-product lane, which is what lifts M = 64..256 to the
// speed of a BLAS sgemm.
struct PackedJob {
  const cpu::KernelTable* kernels;
  const LinearShape* s;
  const float *W, *b;
  float* Y;
  const float* xt;   // packed X^T
  float* temp;       // per thread: groupRows x nnCols
  int row0, row1, groupRows, panels;
};

struct PackJob {
  const LinearShape* s;
  const float* X;
  float* xt;
  int cols;
};

// xt[p][k][c] = X[p * cols + c][k], zero for the columns past M in the last panel, so every panel is
// whole (the GEMM then takes no partial-panel path).
void PackXt(const PackJob& job, ThreadPool& pool) {
  pool.ParallelFor(job.s->K, [&job](int k0, int k1, int) {
    const LinearShape& s = *job.s;
    const int cols = job.cols, panels = (s.M + cols - 1) / cols;
    for (int p = 0; p < panels; ++p) {
      const int m0 = p * cols, m1 = m0 + cols < s.M ? m0 + cols : s.M;
      float* panel = job.xt + static_cast<size_t>(p) * s.K * cols;
      for (int m = m0; m < m1; ++m) {
        const float* x = job.X + static_cast<size_t>(m) * s.K;
        for (int k = k0; k < k1; ++k) panel[static_cast<size_t>(k) * cols + (m - m0)] = x[k];
      }
      for (int k = k0; k < k1; ++k)
        for (int c = m1 - m0; c < cols; ++c) panel[static_cast<size_t>(k) * cols + c] = 0.0f;
    }
  });
}

// The work items are (group of W rows, panel of m) pairs. Groups start at multiples of groupRows counted
// from column 0 of Y, not from row0, so with groupRows a multiple of 16 floats two threads never write the
// same cache line of Y (except where the slice itself starts or ends inside one). Handing out single
// register tiles of 6 columns instead put three threads on every line of Y: on the H200 host (15 threads,
// AVX-512) a 10% slice of linear 256x3072x768 along N took 250 us against 78 us for a tenth of the whole
// layer (run linear-coexec-host-20261204T1021Z). Panels as a second dimension keep enough items for every
// thread when the slice is thin.
int GroupsOf(const PackedJob& job) {
  return (job.row1 - 1) / job.groupRows - job.row0 / job.groupRows + 1;
}

void RunPacked(const PackedJob& job, ThreadPool& pool) {
  const int firstGroup = job.row0 / job.groupRows;
  pool.ParallelFor(GroupsOf(job) * job.panels, [&job, firstGroup](int i0, int i1, int thread) {
    const LinearShape& s = *job.s;
    const int cols = job.kernels->nnCols, K = s.K, N = s.N;
    float* temp = job.temp + static_cast<size_t>(thread) * job.groupRows * cols;
    for (int i = i0; i < i1; ++i) {
      const int g = firstGroup + i / job.panels, p = i % job.panels;
      const int j0 = g * job.groupRows > job.row0 ? g * job.groupRows : job.row0;
      const int j1 = (g + 1) * job.groupRows < job.row1 ? (g + 1) * job.groupRows : job.row1;
      const int rows = j1 - j0;
      const int m0 = p * cols, n = m0 + cols < s.M ? cols : s.M - m0;
      job.kernels->gemmNN(rows, cols, K, job.W + static_cast<size_t>(j0) * K, K,
                          job.xt + static_cast<size_t>(p) * K * cols, cols, temp, cols,
                          job.b ? job.b + j0 : nullptr);
      // temp[r][c] is Y[m0 + c][j0 + r]: write Y row by row (contiguous in r), reading temp down a column.
      for (int c = 0; c < n; ++c) {
        float* y = job.Y + static_cast<size_t>(m0 + c) * N + j0;
        for (int r = 0; r < rows; ++r) y[r] = temp[r * cols + c];
      }
    }
  });
}

void RunSimd(const LinearJob& job, ThreadPool& pool) {
  const cpu::KernelTable& k = *job.kernels;
  // The packed form computes whole panels of m; up to half a panel the dot form is faster (AVX-512, N 3072,
  // K 768, one thread: M = 32 1.8 vs 2.0 ms, M = 48 2.4 vs 2.2 ms).
  if (job.s->M * 2 <= k.nnCols) return RunDot(job, pool);
  static std::vector<float> xtScratch, tempScratch;
  const int panels = (job.s->M + k.nnCols - 1) / k.nnCols;
  const size_t xtFloats = static_cast<size_t>(panels) * job.s->K * k.nnCols;
  if (xtScratch.size() < xtFloats) xtScratch.resize(xtFloats);
  // 8 register tiles of W rows per group (48 rows = 3 cache lines of Y for the 6-row tiles): the group's
  // output tile (groupRows x nnCols) and one K block of the X^T panel stay in L1 together. A slice with
  // fewer items than threads gets halved groups (down to one tile) rather than idle threads.
  PackedJob packed{job.kernels, job.s, job.W, job.b, job.Y, nullptr, nullptr, job.row0, job.row1, 8 * k.nnRows,
                   panels};
  while (GroupsOf(packed) * panels < pool.Threads() && packed.groupRows % (2 * k.nnRows) == 0)
    packed.groupRows /= 2;
  const size_t tempFloats = static_cast<size_t>(pool.Threads()) * packed.groupRows * k.nnCols;
  if (tempScratch.size() < tempFloats) tempScratch.resize(tempFloats);
  PackXt(PackJob{job.s, job.X, xtScratch.data(), k.nnCols}, pool);
  packed.xt = xtScratch.data();
  packed.temp = tempScratch.data();
  RunPacked(packed, pool);
}

void RunOpenBlas(const LinearShape& s, const float* X, const float* W, const float* b, float* Y, int row0,
                 int row1, ThreadPool& pool) {
  cpu::OpenBlas& blas = cpu::GetOpenBlas();
  pool.Park();  // OpenBLAS brings its own threads: free the cores for them
  blas.UseThreads(pool.Threads());
  const int rows = row1 - row0;
  // beta = 1 over a bias-initialised output adds the bias without a second pass over Y.
  for (int m = 0; m < s.M; ++m)
    for (int n = row0; n < row1; ++n) Y[static_cast<size_t>(m) * s.N + n] = b ? b[n] : 0.0f;
  const float* Wslice = W + static_cast<size_t>(row0) * s.K;
  if (s.M == 1)
    blas.sgemv(cpu::kCblasRowMajor, cpu::kCblasNoTrans, rows, s.K, 1.0f, Wslice, s.K, X, 1, 1.0f, Y + row0, 1);
  else
    blas.sgemm(cpu::kCblasRowMajor, cpu::kCblasNoTrans, cpu::kCblasTrans, s.M, rows, s.K, 1.0f, X, s.K, Wslice,
               s.K, 1.0f, Y + row0, s.N);
}

}  // namespace

void LinearCpu(const std::string& impl, const LinearShape& s, const float* X, const float* W, const float* b,
               float* Y, int row0, int row1, ThreadPool& pool) {
  CheckArgs(s, row0, row1);
  const cpu::ImplChoice choice = cpu::SelectImpl(impl, false);
  if (!choice.error.empty())
    throw std::invalid_argument(choice.error.rfind("unknown ", 0) == 0 ? choice.error : impl + ": " + choice.error);
  if (row0 == row1) return;
  if (choice.backend == cpu::Backend::kOpenBlas) return RunOpenBlas(s, X, W, b, Y, row0, row1, pool);
  const LinearJob job{choice.kernels, &s, X, W, b, Y, row0, row1, choice.kernels->ntRows};
  RunSimd(job, pool);
}

}  // namespace coexec
