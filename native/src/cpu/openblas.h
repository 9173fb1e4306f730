// Private to native/src/cpu: OpenBLAS loaded at run time, so the engine builds and runs without it (phones)
// and the "openblas" implementations report why they are unavailable instead.
#pragma once

#include <string>

namespace coexec {
namespace cpu {

// CBLAS enum values (cblas.h), spelled out so that no OpenBLAS header is needed at build time.
enum : int { kCblasRowMajor = 101, kCblasNoTrans = 111, kCblasTrans = 112 };

struct OpenBlas {
  using Sgemm = void (*)(int order, int transA, int transB, int m, int n, int k, float alpha, const float* A,
                         int lda, const float* B, int ldb, float beta, float* C, int ldc);
  using Sgemv = void (*)(int order, int trans, int m, int n, float alpha, const float* A, int lda,
                         const float* x, int incx, float beta, float* y, int incy);
  using SetThreads = void (*)(int threads);
  Sgemm sgemm = nullptr;
  Sgemv sgemv = nullptr;
  SetThreads setThreads = nullptr;
  std::string error;    // empty when loaded
  int threads = 0;      // last count passed to setThreads (the call is not free, so it is made only on change)
  int mostThreads = 0;  // largest count it has had (at load, or passed since): only a larger one can start
                        // more workers

  // Makes OpenBLAS use `t` threads for the following calls.
  void UseThreads(int t);
};

// Loaded on first use; later calls return the same object (check .error).
OpenBlas& GetOpenBlas();

}  // namespace cpu
}  // namespace coexec
