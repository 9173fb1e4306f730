// LinearCpu: output columns [row0, row1) of Y = X W^T + b for all M rows, with our kernels or OpenBLAS.
// The simd path splits the columns into register tiles and hands each pool thread a contiguous run of
// tiles; every thread reads all of X and only its own rows of W.
#include <stdexcept>
#include <string>

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

void RunSimd(const LinearJob& job, ThreadPool& pool) {
  const int tiles = (job.row1 - job.row0 + job.tile - 1) / job.tile;
  pool.ParallelFor(tiles, [&job](int t0, int t1, int) {
    const int j0 = job.row0 + t0 * job.tile;
    const int j1 = job.row0 + t1 * job.tile < job.row1 ? job.row0 + t1 * job.tile : job.row1;
    const int K = job.s->K;
    job.kernels->gemmNT(job.s->M, j1 - j0, K, job.X, K, job.W + static_cast<size_t>(j0) * K, K, job.Y + j0,
                        job.s->N, job.b ? job.b + j0 : nullptr);
  });
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
