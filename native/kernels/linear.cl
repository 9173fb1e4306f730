// Linear layer Y[M,N] = X[M,K] * W[N,K]^T + b[N] (row-major, K contiguous), GPU side of the split:
// every kernel computes only output columns n in [rowOffset, N) ("rows" of the split dimension N) of the
// rows m in [mOffset, M), and never touches the others, which the CPU writes at the same time: a split
// along N passes mOffset 0, a split along M rowOffset 0 (native/src/split.h).
// Common arguments: (M, N, K, rowOffset, mOffset, X, W, b, Y [, doneCounter]). Needs common.cl prepended.

#ifndef WGS
#define WGS 64  // work-group size of gemv_row, gemv_row4 and gemv_vec4 (a power of two)
#endif
#ifndef RPW
#define RPW 4   // gemv_vec4: output rows per work-group; WGS / RPW work-items share a row (a power of two)
#endif
#ifndef MB
#define MB 8    // gemv_rows: rows m whose sums a work-item keeps at once (at most WGS)
#endif
#ifndef TS
#define TS 16   // gemm_tiled: tile edge; work-group TS x TS, local memory 2 * TS * (TS + 1) floats
#endif
#ifndef VW
#define VW 8    // linear_reg: output features per work-item, one floatVW accumulator per row (4, 8 or 16)
#endif
#ifndef VN
#define VN 1    // linear_reg: vectors per work-item along N (1, 2 or 4)
#endif
#ifndef RM
#define RM 4    // linear_reg: rows m per work-item; the register tile is RM x (VN * VW)
#endif
#ifndef WP_BLOCKED
#define WP_BLOCKED 0  // linear_reg: packed weight layout, 1 = tile-blocked (CPU devices), 0 = k-major (GPUs)
#endif

// The sum of every work-item's `value` over the work-group (WGS items), through `partial` (WGS floats of local
// memory); every work-item gets it, and `partial` may be reused as soon as this returns.
float group_sum(__local float* partial, const int lid, const float value) {
  partial[lid] = value;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = WGS / 2; s > 0; s >>= 1) {
    if (lid < s) partial[lid] += partial[lid + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const float sum = partial[0];
  barrier(CLK_LOCAL_MEM_FENCE);  // everyone has read partial[0] before the caller writes partial[] again
  return sum;
}

// gemv_row: one work-group per output row n; its WGS work-items stride over K and reduce in local memory.
// Preconditions: local size (WGS); global size ((N - rowOffset) * WGS) exactly; WGS a power of two.
// Meant for M = 1 (loops over M otherwise, reusing the local buffer).
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void gemv_row(const int M, const int N, const int K, const int rowOffset, const int mOffset,
              __global const float* X, __global const float* W, __global const float* b,
              __global float* Y COEXEC_SIGNAL_PARAM) {
  __local float partial[WGS];
  COEXEC_RESIDENT_BEGIN();
  const int lid = get_local_id(0);
  const int n = rowOffset + GROUP_ID(0);
  __global const float* w = W + (size_t)n * K;
  for (int m = mOffset; m < M; ++m) {
    __global const float* x = X + (size_t)m * K;
    float acc = 0.0f;
    for (int k = lid; k < K; k += WGS) acc = fma(x[k], w[k], acc);
    const float sum = group_sum(partial, lid, acc);
    if (lid == 0) Y[(size_t)m * N + n] = sum + b[n];
  }
  COEXEC_SIGNAL_DONE();
}

// gemv_row4: gemv_row with float4 loads, four of them in flight per work-item: each iteration issues four
// independent vload4s into four accumulators before using any, so a row is read in K / (16 WGS) memory latencies
// instead of K / WGS. Measured (results/benchmarks/gpu-host-20261204-round18/call2-gemv): on PoCL 2-5x faster
// than gemv_row; on the H200 no faster, every M = 1 GEMV kernel there taking 7.5-10 us whatever its loads in
// flight. The K % 4 tail is read in scalar.
// Preconditions: as gemv_row (local size WGS, global size (N - rowOffset) * WGS exactly, WGS a power of two).
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void gemv_row4(const int M, const int N, const int K, const int rowOffset, const int mOffset,
               __global const float* X, __global const float* W, __global const float* b,
               __global float* Y COEXEC_SIGNAL_PARAM) {
  __local float partial[WGS];
  COEXEC_RESIDENT_BEGIN();
  const int lid = get_local_id(0);
  const int n = rowOffset + GROUP_ID(0);
  __global const float* w = W + (size_t)n * K;
  const int K4 = K / 4;
  for (int m = mOffset; m < M; ++m) {
    __global const float* x = X + (size_t)m * K;
    float4 a0 = (float4)(0.0f), a1 = (float4)(0.0f), a2 = (float4)(0.0f), a3 = (float4)(0.0f);
    int k4 = lid;
    for (; k4 + 3 * WGS < K4; k4 += 4 * WGS) {
      const float4 w0 = vload4(k4, w), w1 = vload4(k4 + WGS, w), w2 = vload4(k4 + 2 * WGS, w), w3 = vload4(k4 + 3 * WGS, w);
      a0 = fma(vload4(k4, x), w0, a0);
      a1 = fma(vload4(k4 + WGS, x), w1, a1);
      a2 = fma(vload4(k4 + 2 * WGS, x), w2, a2);
      a3 = fma(vload4(k4 + 3 * WGS, x), w3, a3);
    }
    for (; k4 < K4; k4 += WGS) a0 = fma(vload4(k4, x), vload4(k4, w), a0);
    const float4 s4 = (a0 + a1) + (a2 + a3);
    float acc = (s4.x + s4.y) + (s4.z + s4.w);
    for (int k = K4 * 4 + lid; k < K; k += WGS) acc = fma(x[k], w[k], acc);
    const float sum = group_sum(partial, lid, acc);
    if (lid == 0) Y[(size_t)m * N + n] = sum + b[n];
  }
  COEXEC_SIGNAL_DONE();
}

// gemv_rows: gemv_row for a few rows M > 1 (M = 8 or 64 of a transformer's token batch). gemv_row reads row n
// of W once per row m of X; here each work-item keeps the sums of MB rows at once, so W's row is read once
// per MB rows, and the MB sums are reduced together. On a discrete GPU the layer is then bound by reading W
// once (9.4 MB for 768 x 3072) instead of by a tiled GEMM's serial loop over K in small tiles.
// Preconditions: local size (WGS); global size ((N - rowOffset) * WGS) exactly; WGS a power of two, WGS >= MB.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void gemv_rows(const int M, const int N, const int K, const int rowOffset, const int mOffset,
               __global const float* X, __global const float* W, __global const float* b,
               __global float* Y COEXEC_SIGNAL_PARAM) {
  __local float partial[MB][WGS];
  COEXEC_RESIDENT_BEGIN();
  const int lid = get_local_id(0);
  const int n = rowOffset + GROUP_ID(0);
  __global const float* w = W + (size_t)n * K;
  for (int m0 = mOffset; m0 < M; m0 += MB) {
    const int rows = min(MB, M - m0);
    __global const float* x = X + (size_t)m0 * K;
    float acc[MB];
    for (int i = 0; i < MB; ++i) acc[i] = 0.0f;
    for (int k = lid; k < K; k += WGS) {
      const float wk = w[k];
      for (int i = 0; i < MB; ++i)
        if (i < rows) acc[i] = fma(x[(size_t)i * K + k], wk, acc[i]);
    }
    for (int i = 0; i < MB; ++i) partial[i][lid] = acc[i];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WGS / 2; s > 0; s >>= 1) {
      if (lid < s)
        for (int i = 0; i < MB; ++i) partial[i][lid] += partial[i][lid + s];
      barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid < rows) Y[(size_t)(m0 + lid) * N + n] = partial[lid][0] + b[n];
    barrier(CLK_LOCAL_MEM_FENCE);  // partial[] is rewritten for the next MB rows
  }
  COEXEC_SIGNAL_DONE();
}

// gemv_vec4: RPW rows per work-group, WGS / RPW work-items per row reading X and W as float4 (vload4: no
// alignment beyond float is assumed), the K % 4 tail in scalar.
// Preconditions: local size (WGS); global size (ceil((N - rowOffset) / RPW) * WGS); WGS >= RPW, both
// powers of two. Rows past N are computed as idle work-items (no early return).
#define VEC4_TPR (WGS / RPW)
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void gemv_vec4(const int M, const int N, const int K, const int rowOffset, const int mOffset,
               __global const float* X, __global const float* W, __global const float* b,
               __global float* Y COEXEC_SIGNAL_PARAM) {
  __local float partial[WGS];
  COEXEC_RESIDENT_BEGIN();
  const int lid = get_local_id(0);
  const int t = lid % VEC4_TPR;
  const int n = rowOffset + (int)GROUP_ID(0) * RPW + lid / VEC4_TPR;
  const bool valid = n < N;
  const int K4 = K / 4;
  for (int m = mOffset; m < M; ++m) {
    float acc = 0.0f;
    if (valid) {
      __global const float* x = X + (size_t)m * K;
      __global const float* w = W + (size_t)n * K;
      for (int k4 = t; k4 < K4; k4 += VEC4_TPR) acc += dot(vload4(k4, x), vload4(k4, w));
      for (int k = K4 * 4 + t; k < K; k += VEC4_TPR) acc = fma(x[k], w[k], acc);
    }
    partial[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = VEC4_TPR / 2; s > 0; s >>= 1) {
      if (t < s) partial[lid] += partial[lid + s];
      barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t == 0 && valid) Y[(size_t)m * N + n] = partial[lid] + b[n];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  COEXEC_SIGNAL_DONE();
}

// gemm_tiled: TS x TS output tile per work-group (dimension 0 along n, 1 along m), K walked in TS steps
// through local memory; out-of-range tile elements load as 0. Works for any M (M = 1 wastes TS - 1 rows).
// Preconditions: local size (TS, TS); global size (ceil((N - rowOffset) / TS) * TS,
// ceil((M - mOffset) / TS) * TS).
__kernel __attribute__((reqd_work_group_size(TS, TS, 1)))
void gemm_tiled(const int M, const int N, const int K, const int rowOffset, const int mOffset,
                __global const float* X, __global const float* W, __global const float* b,
                __global float* Y COEXEC_SIGNAL_PARAM) {
  __local float Xs[TS][TS + 1];  // Xs[m][k]; +1 column: no bank conflicts on the column-wise writes
  __local float Ws[TS][TS + 1];  // Ws[k][n]: stored transposed so the inner loop reads along n (work-items)
  COEXEC_RESIDENT_BEGIN();
  const int tx = get_local_id(0), ty = get_local_id(1);
  const int nBase = rowOffset + (int)GROUP_ID(0) * TS, mBase = mOffset + (int)GROUP_ID(1) * TS;
  const int n = nBase + tx, m = mBase + ty;
  float acc = 0.0f;
  for (int k0 = 0; k0 < K; k0 += TS) {
    const int k = k0 + tx;
    Xs[ty][tx] = (mBase + ty < M && k < K) ? X[(size_t)(mBase + ty) * K + k] : 0.0f;
    Ws[tx][ty] = (nBase + ty < N && k < K) ? W[(size_t)(nBase + ty) * K + k] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int kk = 0; kk < TS; ++kk) acc = fma(Xs[ty][kk], Ws[kk][tx], acc);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (m < M && n < N) Y[(size_t)m * N + n] = acc + b[n];
  COEXEC_SIGNAL_DONE();
}

// linear_reg: register-tiled GEMM. One work-item computes an RM x (VN * VW) tile of Y (rows m0..m0+RM-1,
// features n0..n0+VN*VW-1) in RM x VN floatVW accumulators: per k, VN vector loads of weights and RM x VN
// FMAs, each broadcasting one X value. This is the shape a CPU device (PoCL) vectorizes natively and what
// mobile GPU guides ask for.
// Weights come packed by the host once per job (resident, untimed), the GPU's rows transposed and zero-padded
// to NP = ceil((N - rowOffset) / (VN * VW)) * VN * VW columns j (j = n - rowOffset), in one of two layouts:
//   WP_BLOCKED 0: Wp[k][j]: neighbouring tiles read neighbouring vectors (coalesced on GPUs);
//   WP_BLOCKED 1: Wp[j / TW][k][j % TW] (TW = VN * VW): each work-item reads one contiguous stream (on a
//                 CPU device the k-major layout strides a page per k, defeating the prefetcher and the TLB).
// Tile order follows the layout: WP_BLOCKED 1 (CPU devices) numbers row blocks fastest, so consecutive
// work-items reuse one column block of Wp from cache; WP_BLOCKED 0 (GPUs) numbers column blocks fastest, so
// neighbouring work-items read neighbouring weight vectors (coalesced) and the same X row (broadcast).
// Rows past M read row M - 1 and are not stored; features past N have zero weights and are not stored.
// Preconditions: local size (WGS); global size ceil((M - mOffset) / RM) * NP / (VN * VW) rounded up to WGS (the extra
// work-items recompute tile 0 and store nothing: no early return); Wp aligned to VW floats.
#define LINEAR_REG_TW (VN * VW)
// Independent accumulator sets over k: an FMA waits for the previous one on its accumulator (4 cycles on
// x86), so a tile of fewer than 8 vectors (RM * VN < 8, e.g. M = 1) interleaves 8 / (RM * VN) partial sums.
#define LINEAR_REG_KU (RM * VN >= 8 ? 1 : 8 / (RM * VN))

// One k of linear_reg: acc[i][u] += X[m0 + i][k] * Wp's VN vectors of k.
COEXEC_INLINE void linear_reg_step(floatV (*acc)[VN], __global const floatV* w, const int kStride,
                                   __global const float** x, const int k) {
  floatV wk[VN];
#pragma unroll
  for (int u = 0; u < VN; ++u) wk[u] = w[(size_t)k * kStride + u];
#pragma unroll
  for (int i = 0; i < RM; ++i) {
    const floatV xv = (floatV)(x[i][k]);
#pragma unroll
    for (int u = 0; u < VN; ++u) acc[i][u] = fma(xv, wk[u], acc[i][u]);
  }
}
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void linear_reg(const int M, const int N, const int K, const int rowOffset, const int mOffset,
                __global const float* X, __global const float* Wp, __global const float* b,
                __global float* Y COEXEC_SIGNAL_PARAM) {
  COEXEC_RESIDENT_BEGIN();
  const int rows = N - rowOffset;
  const int colBlocks = (rows + LINEAR_REG_TW - 1) / LINEAR_REG_TW, rowBlocks = (M - mOffset + RM - 1) / RM;
  const int rowVectors = colBlocks * VN;  // floatV per k in Wp
  int t = GLOBAL_ID(0);
  const bool active = t < rowBlocks * colBlocks;
  if (!active) t = 0;
#if WP_BLOCKED
  const int m0 = mOffset + (t % rowBlocks) * RM, jb = t / rowBlocks;
#else
  const int m0 = mOffset + (t / colBlocks) * RM, jb = t % colBlocks;
#endif
  __global const float* x[RM];
  floatV acc[LINEAR_REG_KU][RM][VN];
#pragma unroll
  for (int i = 0; i < RM; ++i) {
    x[i] = X + (size_t)min(m0 + i, M - 1) * K;
#pragma unroll
    for (int h = 0; h < LINEAR_REG_KU; ++h) {
#pragma unroll
      for (int u = 0; u < VN; ++u) acc[h][i][u] = (floatV)(0.0f);
    }
  }
#if WP_BLOCKED
  __global const floatV* w = (__global const floatV*)Wp + (size_t)jb * K * VN;
  const int kStride = VN;  // floatV from one k to the next
#else
  __global const floatV* w = (__global const floatV*)Wp + jb * VN;
  const int kStride = rowVectors;
#endif
  // k advances LINEAR_REG_KU at a time, k + h into accumulator set h; the K tail goes to set 0.
  int k = 0;
  for (; k + LINEAR_REG_KU <= K; k += LINEAR_REG_KU) {
#pragma unroll
    for (int h = 0; h < LINEAR_REG_KU; ++h) linear_reg_step(acc[h], w, kStride, x, k + h);
  }
  for (; k < K; ++k) linear_reg_step(acc[0], w, kStride, x, k);
#pragma unroll
  for (int h = 1; h < LINEAR_REG_KU; ++h) {
#pragma unroll
    for (int i = 0; i < RM; ++i) {
#pragma unroll
      for (int u = 0; u < VN; ++u) acc[0][i][u] += acc[h][i][u];
    }
  }
  if (active) {
    const int n0 = rowOffset + jb * LINEAR_REG_TW, valid = min(LINEAR_REG_TW, rows - jb * LINEAR_REG_TW);
    float bias[LINEAR_REG_TW];
    for (int v = 0; v < LINEAR_REG_TW; ++v) bias[v] = v < valid ? b[n0 + v] : 0.0f;
#pragma unroll
    for (int i = 0; i < RM; ++i) {
      if (m0 + i < M) {
        float out[LINEAR_REG_TW];
#pragma unroll
        for (int u = 0; u < VN; ++u) vstoreV(acc[0][i][u], u, out);
        __global float* y = Y + (size_t)(m0 + i) * N + n0;
        for (int v = 0; v < valid; ++v) y[v] = out[v] + bias[v];
      }
    }
  }
  COEXEC_SIGNAL_DONE();
}

// gemv_reg: an M = 1 kernel for CPU devices (PoCL) on the unpacked weights: one work-item computes RN
// consecutive features n, reading their rows of W and the row of X as floatVW along K (contiguous: K is split
// across the vector lanes), VN vectors of k in flight per row, so RN x VN independent accumulators; each loaded
// X vector is used by all RN rows. The lanes are summed once at the end. Versus linear_reg at M = 1 (per k: VN
// weight vectors and one broadcast of X[k] for one FMA each), a weight vector here costs one load and one FMA,
// X's loads are shared by RN rows, and no packed copy of W is needed.
// Rows m in [mOffset, M) are computed one after another (correct for any M; meant for M = 1). The K % VW tail
// is read in scalar. Features past N read row N - 1 and are not stored.
// Preconditions: local size (WGS); global size ceil((N - rowOffset) / RN) rounded up to WGS (the extra
// work-items recompute block 0 and store nothing: no early return).
#ifdef RN
#define vloadV COEXEC_CAT(vload, VW)
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void gemv_reg(const int M, const int N, const int K, const int rowOffset, const int mOffset,
              __global const float* X, __global const float* W, __global const float* b,
              __global float* Y COEXEC_SIGNAL_PARAM) {
  COEXEC_RESIDENT_BEGIN();
  const int rows = N - rowOffset, blocks = (rows + RN - 1) / RN;
  // Work-item t takes the blocks [t * per, (t + 1) * per): one block each when the launch has a work-item per
  // block, several consecutive ones (one longer stream per task) when the host launches fewer.
  const int tasks = GLOBAL_SIZE(0), per = (blocks + tasks - 1) / tasks, t = GLOBAL_ID(0);
  const int KV = K / VW;  // whole vectors along K
  for (int blk = t * per; blk < min(blocks, (t + 1) * per); ++blk) {
    const int n0 = rowOffset + blk * RN;
    __global const float* w[RN];
#pragma unroll
    for (int r = 0; r < RN; ++r) w[r] = W + (size_t)min(n0 + r, N - 1) * K;
    for (int m = mOffset; m < M; ++m) {
      __global const float* x = X + (size_t)m * K;
      floatV acc[VN][RN];
#pragma unroll
      for (int u = 0; u < VN; ++u) {
#pragma unroll
        for (int r = 0; r < RN; ++r) acc[u][r] = (floatV)(0.0f);
      }
      int kv = 0;
      for (; kv + VN <= KV; kv += VN) {
#pragma unroll
        for (int u = 0; u < VN; ++u) {
          const floatV xv = vloadV(kv + u, x);
#pragma unroll
          for (int r = 0; r < RN; ++r) acc[u][r] = fma(xv, vloadV(kv + u, w[r]), acc[u][r]);
        }
      }
      for (; kv < KV; ++kv) {
        const floatV xv = vloadV(kv, x);
#pragma unroll
        for (int r = 0; r < RN; ++r) acc[0][r] = fma(xv, vloadV(kv, w[r]), acc[0][r]);
      }
#pragma unroll
      for (int r = 0; r < RN; ++r) {
        floatV a = acc[0][r];
#pragma unroll
        for (int u = 1; u < VN; ++u) a += acc[u][r];
        float lanes[VW];
        vstoreV(a, 0, lanes);
        float sum = 0.0f;
#pragma unroll
        for (int e = 0; e < VW; ++e) sum += lanes[e];
        for (int k = KV * VW; k < K; ++k) sum = fma(x[k], w[r][k], sum);
        if (n0 + r < N) Y[(size_t)m * N + n0 + r] = sum + b[n0 + r];
      }
    }
  }
  COEXEC_SIGNAL_DONE();
}
#endif  // RN
