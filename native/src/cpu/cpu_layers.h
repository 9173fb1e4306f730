// CPU side of the engine: the layer shapes, the persistent thread pool and the CPU implementations of
// linear and conv2d. Every implementation computes a contiguous range of output rows [row0, row1) of the
// split dimension (N for linear, F for conv2d) and writes straight into the shared output tensor, so the
// GPU can fill the other rows at the same time. Nothing here knows about OpenCL.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace coexec {

// Y[M,N] = X[M,K] * W[N,K]^T + b[N]; row-major, K contiguous in X and W.
struct LinearShape {
  int M = 1, N = 1, K = 1;
};

// NCHW input [batch,C,H,W], weights [F,C,R,S], bias [F], output [batch,F,P,Q]; groups = 1.
struct ConvShape {
  int batch = 1, C = 1, H = 1, W = 1, F = 1, R = 1, S = 1;
  int strideH = 1, strideW = 1, padH = 0, padW = 0;
  int P() const { return (H + 2 * padH - R) / strideH + 1; }
  int Q() const { return (W + 2 * padW - S) / strideW + 1; }
};

// A persistent pool: threads are created once, pinned to the given cores (empty = not pinned), and woken
// for each ParallelFor. The calling thread takes part as worker 0, so a pool of 1 runs inline.
// Added: the chunk size balanced chunking claims when ParallelFor splits `count` elements over `threads`
// threads: at most 4 chunks per thread, smaller where that leaves one thread a much larger share.
int BalancedChunkSize(int count, int threads);
// Added: thread `thread`'s share [begin, end) of [0, count) under static chunking (the affine rule's home range):
// even, the first (count % threads) one element longer.
void StaticRange(int count, int threads, int thread, int* begin, int* end);

// Added: one ParallelFor call's timing, recorded while a pass recorder is set (ThreadPool::SetPassRecorder), in
// microseconds from the caller's post of the job: the call's wall time, and per thread when its first chunk
// started and its last chunk ended (-1 for a thread that ran none) and the time spent inside its chunks.
struct PoolPassTimes {
  int count = 0;
  double wallUs = 0;
  std::vector<double> firstStartUs, lastEndUs, busyUs;
};

class ThreadPool {
 public:
  ThreadPool(int threads, const std::vector<int>& cores);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  int Threads() const;
  // Added: the rule ParallelFor calls with this sameUnitsEachCall hand out their units by: "affine" (the
  // default for calls that ask for the same units each call: each thread its static share, claimed in chunks,
  // the others' left-overs after), "balanced" (the default for the others: chunks of BalancedChunkSize claimed
  // from one counter), "dynamic" (the same with the larger chunks used before 2026-12-04) or "static" (one even
  // chunk per thread); COEXEC_POOL_CHUNKING names one rule for every call (thread_pool.cpp), and
  // COEXEC_POOL_CHUNK_SIZE=N forces every chunk to N units (then "<rule>,chunk=N").
  static std::string Chunking(bool sameUnitsEachCall = false);
  // Splits [0, count) into chunks and runs body(begin, end, thread) on them over the pool's threads; returns when
  // all are done. sameUnitsEachCall: give each thread the same units at every call as far as the threads keep
  // pace (units whose data a thread's cache can keep between calls, such as rows of a layer's weights).
  void ParallelFor(int count, const std::function<void(int begin, int end, int thread)>& body,
                   bool sameUnitsEachCall = false);
  // Added: appends every later ParallelFor call's PoolPassTimes to *out (nullptr stops it). A profiling hook for
  // native/bench/cpu-bench.cpp (--only conv-passes); unset, it costs a test per call and per chunk. Call it between
  // ParallelFor calls, from the thread that makes them.
  void SetPassRecorder(std::vector<PoolPassTimes>* out);
  // Added: tells idle workers to block now instead of spinning a little longer, before the cores are handed
  // to another runtime's threads (OpenBLAS, or an OpenCL CPU device such as PoCL).
  void Park();
 private:
  struct Impl;
  Impl* impl_;
};

// Names accepted in plans. linear: "simd", "openblas"; conv2d: "simd-im2col", "simd-direct", "simd-flat"
// (direct over the flattened padded plane; stride-1 layers, others run as simd-direct), "openblas-im2col".
// "simd" resolves at run time to the widest ISA the CPU has.
std::vector<std::string> CpuImplNames(bool conv);
// Added: CpuImplNames plus every simd name pinned to one kernel set with an ISA suffix ("simd-avx2",
// "simd-im2col-scalar", "simd-direct-neon", ...), for tests and benchmarks; unusable ones are included
// (CpuImplUnavailableReason says why).
std::vector<std::string> CpuImplVariants(bool conv);
// The resolved name recorded in results, e.g. "simd-avx512", "simd-avx2", "simd-neon", "simd-scalar".
std::string ResolvedSimdName();
// Added: the name to record as resolved.cpuImpl for a plan's name: "simd" -> "simd-avx512", "simd-im2col" ->
// "simd-im2col-avx512", "simd-direct" -> "simd-direct-avx512"; names already pinned or "openblas*" unchanged.
std::string ResolvedCpuImplName(const std::string& impl);
// Empty when the implementation can run here, else the reason (e.g. "libopenblas.so.0 not found").
std::string CpuImplUnavailableReason(const std::string& impl);

namespace cpu {
struct KernelTable;
}

// W's columns [row0, row1) of Y repacked for the CPU side's broadcast GEMM or GEMV (W^T in column panels of
// panelCols). Weights are resident for a whole job, so the engine packs them once per job, as
// inference runtimes do at load time, and the timed call copies nothing (linear.cpp).
struct LinearCpuWeights {
  const cpu::KernelTable* kernels = nullptr;
  int N = 0, K = 0, row0 = 0, row1 = 0;
  int panelCols = 0;  // columns per panel: nnCols, or for few rows of X 1, 2 or 4 registers (linear.cpp)
  std::vector<float> panels;
  bool Fits(const cpu::KernelTable* k, const LinearShape& s, int r0, int r1) const {
    return k == kernels && s.N == N && s.K == K && r0 == row0 && r1 == row1;
  }
};
// Null where the call would not use them (OpenBLAS, an unknown name, an empty range); LinearCpu then needs
// none. `threads`: the pool's threads, which set the panel width for few rows of X.
std::unique_ptr<const LinearCpuWeights> PackLinearCpuWeights(const std::string& impl, const LinearShape& s,
                                                             const float* W, int row0, int row1, int threads = 1);

// Computes output rows [row0, row1) of Y. Scratch memory, if any, is owned by the implementation and kept
// between calls (no allocation on the timed path after the first call with a shape). An unknown or unavailable
// implementation, a name of the other layer kind, or a bad shape/row range throws std::invalid_argument with
// a one-line message. Not reentrant: one layer call at a time (the scratch is shared).
// Linear with `prepared` (from PackLinearCpuWeights with the same impl, shape and range) reads W only
// through it; without it a call that needs packed weights packs its columns of W first.
void LinearCpu(const std::string& impl, const LinearShape& s, const float* X, const float* W, const float* b,
               float* Y, int row0, int row1, ThreadPool& pool, const LinearCpuWeights* prepared = nullptr);
void Conv2dCpu(const std::string& impl, const ConvShape& s, const float* X, const float* W, const float* b,
               float* Y, int row0, int row1, ThreadPool& pool);
// The same for output rows (height) [p0, p1) only: the CPU's share of a split along the output height. Only
// the input rows these output rows read are unrolled or padded; the rest of Y is not touched.
void Conv2dCpu(const std::string& impl, const ConvShape& s, const float* X, const float* W, const float* b,
               float* Y, int row0, int row1, ThreadPool& pool, int p0, int p1);

// Double-precision references over the whole output, computed once per layer for the check.
void LinearReference(const LinearShape& s, const float* X, const float* W, const float* b, double* Y);
void Conv2dReference(const ConvShape& s, const float* X, const float* W, const float* b, double* Y);

}  // namespace coexec
