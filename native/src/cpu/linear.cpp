// LinearCpu: output columns [row0, row1) of Y = X W^T + b for all M rows, with our kernels or OpenBLAS.
// The simd path splits the columns into register tiles and hands each pool thread a contiguous run of
// tiles; every thread reads all of X and only its own columns of W^T, repacked in column panels once per job
// when the caller prepared the weights (PackLinearCpuWeights). Few rows of X (2 <= M <= half a gemmNN panel) take
// narrower panels, a whole panel per unit (RunFewRowsPanels); more take the broadcast GEMM's tiles (RunPacked);
// one row (a GEMV) reads W as it is in tiles of rows (RunDot).
#include <memory>
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

// Dot-product form for one row of X (a GEMV): each tile of W rows is reduced against X, no packing. The pool
// gives a thread the same tiles each call, so rows of W its cache kept are read from there. A GEMV over W^T in
// panels (s36's first form) read 1.2-1.4x faster on the AMD VM but 1.15-1.3x slower on 8 threads of the GPU host's
// Xeon, whose L2 feeds MicroGemv's four prefetched row streams faster than one panel stream
// (results/benchmarks/linear-panels-gpu-host-20261206-s36/).
void RunDot(const LinearJob& job, ThreadPool& pool) {
  const int tiles = (job.row1 - job.row0 + job.tile - 1) / job.tile;
  pool.ParallelFor(tiles, [&job](int t0, int t1, int) {
    const int j0 = job.row0 + t0 * job.tile;
    const int j1 = job.row0 + t1 * job.tile < job.row1 ? job.row0 + t1 * job.tile : job.row1;
    const int K = job.s->K;
    job.kernels->gemmNT(job.s->M, j1 - j0, K, job.X, K, job.W + static_cast<size_t>(j0) * K, K, job.Y + j0,
                        job.s->N, job.b ? job.b + j0 : nullptr);
  }, /*sameUnitsEachCall=*/true);
}

// Packed form for many rows of X: Y = X W^T as a broadcast GEMM with X as the row operand (each X value
// broadcast against a register of consecutive output columns) and W^T as the column operand, repacked
// into panels of nnCols columns ([panel][K][nnCols], the layout gemmNN streams linearly). W is resident
// for a whole job, so the engine repacks it once per job (PackLinearCpuWeights), as inference runtimes
// repack weights at load time; the timed call then reads X in place and writes Y directly, with no copy
// on its path. Packing X^T per call instead (the previous form) cost a thin slice about 90 us on 15
// threads of the H200 host (the pack, a barrier, and every thread reading panels another core wrote).
struct PackedJob {
  const cpu::KernelTable* kernels;
  const LinearShape* s;
  const float *X, *b;
  float* Y;
  const float* wt;  // packed W^T of columns [row0, row1): panel p holds columns row0 + p*nnCols ...
  int row0, row1, blockRows, mBlocks, panels;
};

// wt[p][k][c] = W[row0 + p * cols + c][k], zero past row1, so every panel is whole.
void PackWt(const float* W, int K, int row0, int row1, int cols, float* wt, ThreadPool* pool) {
  const int panels = (row1 - row0 + cols - 1) / cols;
  auto body = [=](int p0, int p1, int) {
    for (int p = p0; p < p1; ++p) {
      float* panel = wt + static_cast<size_t>(p) * K * cols;
      for (int c = 0; c < cols; ++c) {
        const int j = row0 + p * cols + c;
        if (j < row1) {
          const float* w = W + static_cast<size_t>(j) * K;
          for (int k = 0; k < K; ++k) panel[static_cast<size_t>(k) * cols + c] = w[k];
        } else {
          for (int k = 0; k < K; ++k) panel[static_cast<size_t>(k) * cols + c] = 0.0f;
        }
      }
    }
  };
  if (pool) pool->ParallelFor(panels, body);
  else body(0, panels, 0);
}

// Work items are (column panel, block of X rows), panel-major, so the items a thread takes in a row share
// one panel of W^T (kept in its L2 across executions: the pool gives a thread the same items each call) and
// each writes whole cache lines of Y: panels start at row0, and the engine's CPU share always starts at column 0.
void RunPacked(const PackedJob& job, ThreadPool& pool) {
  pool.ParallelFor(job.panels * job.mBlocks, [&job](int i0, int i1, int) {
    const LinearShape& s = *job.s;
    const int cols = job.kernels->nnCols, K = s.K;
    for (int i = i0; i < i1; ++i) {
      const int p = i / job.mBlocks, m0 = (i % job.mBlocks) * job.blockRows;
      const int rows = m0 + job.blockRows < s.M ? job.blockRows : s.M - m0;
      const int j0 = job.row0 + p * cols, n = j0 + cols < job.row1 ? cols : job.row1 - j0;
      job.kernels->gemmNNColBias(rows, n, K, job.X + static_cast<size_t>(m0) * K, K,
                                 job.wt + static_cast<size_t>(p) * K * cols, cols,
                                 job.Y + static_cast<size_t>(m0) * s.N + j0, s.N, job.b ? job.b + j0 : nullptr);
    }
  }, /*sameUnitsEachCall=*/true);
}

// From 2 rows of X up to half a gemmNN panel's width (M <= 32 on AVX-512), the panels are narrower and each unit is
// a whole panel (GemmPanels: row tiles of near-equal size); more rows take RunPacked's tiles. They replaced the
// dot-product form there in s36: one AVX-512 thread of the VM, N 3072 K 768, M = 8 1.6x its rate (M = 16 1.5x,
// M = 32 1.45x); on 8 threads of the GPU host, slices of 6-32 rows 0.46-0.77 of its time, M = 8 about even.
bool UsesFewRowsPanels(const cpu::KernelTable& k, const LinearShape& s) { return s.M >= 2 && s.M * 2 <= k.nnCols; }

// Columns per panel of the few-rows form for `rows` output columns on `threads` threads: the widest of 4, 2 and 1
// registers whose busiest thread gets at most 5% more columns than an even share. Wider panels stream a little
// faster (a GEMV on the VM: 5% from the caches, 12% from memory); whole panels per thread leave a thin slice uneven
// (a GEMV of 920 columns on 2 threads in 64-column panels: 512 against 460, 1.08x the dot form's time). features.ts
// fewRowsPanelCols follows it.
int FewRowsPanelCols(const cpu::KernelTable& k, int rows, int threads) {
  for (const int registers : {4, 2}) {
    const int cols = registers * k.width;
    const int busiest = ((rows + cols - 1) / cols + threads - 1) / threads * cols;
    if (static_cast<double>(busiest) * threads <= 1.05 * rows) return cols;
  }
  return k.width;
}

// W^T of columns [row0, row1) in panels of `cols`: the caller's prepared copy, or packed now into a scratch
// buffer kept between calls (tests, one-off use).
const float* PackedWt(const LinearJob& job, const LinearCpuWeights* prepared, int cols, ThreadPool& pool) {
  if (prepared) return prepared->panels.data();
  static std::vector<float> wtScratch;
  const size_t floats = static_cast<size_t>((job.row1 - job.row0 + cols - 1) / cols) * job.s->K * cols;
  if (wtScratch.size() < floats) wtScratch.resize(floats);
  PackWt(job.W, job.s->K, job.row0, job.row1, cols, wtScratch.data(), &pool);
  return wtScratch.data();
}

// Few rows of X: each unit is one panel with all of X's rows; the pool gives a thread the same panels each call, so
// they stay in its cache.
void RunFewRowsPanels(const LinearJob& job, const LinearCpuWeights* prepared, ThreadPool& pool) {
  const int rows = job.row1 - job.row0;
  const int cols = prepared ? prepared->panelCols : FewRowsPanelCols(*job.kernels, rows, pool.Threads());
  const float* wt = PackedWt(job, prepared, cols, pool);
  pool.ParallelFor((rows + cols - 1) / cols, [&job, wt, cols, rows](int p0, int p1, int) {
    const int K = job.s->K, N = job.s->N, j0 = p0 * cols, j1 = p1 * cols < rows ? p1 * cols : rows;
    job.kernels->gemmPanels(job.s->M, j1 - j0, K, job.X, K, wt + static_cast<size_t>(p0) * K * cols, cols,
                            job.Y + job.row0 + j0, N, job.b ? job.b + job.row0 + j0 : nullptr);
  }, /*sameUnitsEachCall=*/true);
}

void RunSimd(const LinearJob& job, const LinearCpuWeights* prepared, ThreadPool& pool) {
  const cpu::KernelTable& k = *job.kernels;
  if (job.s->M == 1) return RunDot(job, pool);
  if (UsesFewRowsPanels(k, *job.s)) return RunFewRowsPanels(job, prepared, pool);
  const int cols = k.nnCols, panels = (job.row1 - job.row0 + cols - 1) / cols;
  const float* wt = PackedWt(job, prepared, cols, pool);
  // Blocks of up to 4 register tiles of X rows (the panel's K block stays in L1 across them), made smaller
  // while there are fewer than 8 items per thread, so a thin slice still spreads evenly over the pool (one
  // item more or less per thread then costs at most ~1/8 of the slice).
  const int M = job.s->M, threads = pool.Threads();
  int blockRows = 4 * k.nnRows;
  while (blockRows > k.nnRows && panels * ((M + blockRows - 1) / blockRows) < 8 * threads) blockRows -= k.nnRows;
  const PackedJob packed{job.kernels, job.s, job.X, job.b, job.Y, wt, job.row0, job.row1,
                         blockRows, (M + blockRows - 1) / blockRows, panels};
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
               float* Y, int row0, int row1, ThreadPool& pool, const LinearCpuWeights* prepared) {
  CheckArgs(s, row0, row1);
  const cpu::ImplChoice choice = cpu::SelectImpl(impl, false);
  if (!choice.error.empty())
    throw std::invalid_argument(choice.error.rfind("unknown ", 0) == 0 ? choice.error : impl + ": " + choice.error);
  if (row0 == row1) return;
  if (choice.backend == cpu::Backend::kOpenBlas) return RunOpenBlas(s, X, W, b, Y, row0, row1, pool);
  if (prepared && !prepared->Fits(choice.kernels, s, row0, row1))
    throw std::invalid_argument("linear CPU weights were packed for another implementation, shape or column range");
  const LinearJob job{choice.kernels, &s, X, W, b, Y, row0, row1, choice.kernels->ntRows};
  RunSimd(job, prepared, pool);
}

std::unique_ptr<const LinearCpuWeights> PackLinearCpuWeights(const std::string& impl, const LinearShape& s,
                                                             const float* W, int row0, int row1, int threads) {
  CheckArgs(s, row0, row1);
  const cpu::ImplChoice choice = cpu::SelectImpl(impl, false);
  if (!choice.error.empty() || choice.backend == cpu::Backend::kOpenBlas || row0 == row1 || s.M == 1) return nullptr;
  auto packed = std::make_unique<LinearCpuWeights>();
  packed->kernels = choice.kernels;
  packed->N = s.N;
  packed->K = s.K;
  packed->row0 = row0;
  packed->row1 = row1;
  const int cols = UsesFewRowsPanels(*choice.kernels, s) ? FewRowsPanelCols(*choice.kernels, row1 - row0, threads)
                                                        : choice.kernels->nnCols;
  packed->panelCols = cols;
  packed->panels.resize(static_cast<size_t>((row1 - row0 + cols - 1) / cols) * s.K * cols);
  PackWt(W, s.K, row0, row1, cols, packed->panels.data(), nullptr);
  return packed;
}

}  // namespace coexec
