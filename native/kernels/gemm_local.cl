// Local-memory tiled SGEMM for GPUs (issue 13): linear (gemm_local) and conv2d as an implicit GEMM
// (conv_local; with im2col first: conv_local_im2col). Needs common.cl prepended.
//
// Every kernel computes an output tile of MWG rows x NWG columns per work-group, where the columns are the
// contiguous dimension of Y (linear: features n; conv: output positions pq) and the rows the other one
// (linear: rows m of X; conv: output channels f). The reduction runs in steps of KWG: each step the
// work-group stages the rows' operand A[k][i] (KWG x MWG) and the columns' operand B[k][j] (KWG x NWG) in
// local memory, both k-major, then every work-item multiplies its MWI x NWI register tile out of them.
// Work-group: NDIMC x MDIMC work-items (dimension 0 along the columns), NDIMC = NWG / NWI, MDIMC = MWG / MWI.
// A work-item's rows are strided, not contiguous: rows (v * MDIMC + tm) * VWM + e for v < MWI / VWM and
// e < VWM (VWM = min(MWI, 4)), likewise its columns with NDIMC, tn and VWN. So one local read is a float4
// (LDS.128 on NVIDIA) and neighbouring work-items read neighbouring vectors (no bank conflicts, one
// broadcast where they share rows), and their stores to Y fall in neighbouring 16-byte groups.
// Local memory needs no padding: every write into it goes along a row of the k-major tiles (neighbouring
// work-items write neighbouring words), every read is one of the row-wise vector reads above.
//
// Knobs (-D, the host sets them from the variant id "<kernel>_<MWG>x<NWG>x<KWG>_<MWI>x<NWI>", all powers of
// two): MWG, NWG in {16, 32, 64, 128}, KWG in {8, 16, 32}, MWI, NWI in {1, 2, 4, 8}, with MWI <= MWG,
// NWI <= NWG, 16 <= NDIMC * MDIMC <= 1024 and KWG * NWG >= NDIMC * MDIMC (every work-item loads B).
// conv_local also takes KR, KS (filter), KSH, KSW (strides) and GL_PLAIN (1: B is a contiguous [K][P*Q]
// matrix: a 1x1 stride-1 unpadded conv's input, or the im2col buffer). Both take KSPLIT in {1, 2, 4, 8, 16}
// (the split-K variants "gemm_splitk_<tile>_s<KSPLIT>" and "conv_splitk_<tile>_s<KSPLIT>": the reduction in
// KSPLIT parts, summed by gemm_splitk_sum / gl_splitk_sum).
//
// Splits (native/src/split.h): rowOffset is the first row of the channel / feature split dimension the GPU
// computes (0 for an outer split); mOffset (linear) / pqOffset = pOffset * Q (conv) the first row m / output
// position of an outer split along M / the output height (0 for a channel split). Tiles start there, so a
// kernel never touches the CPU's share, and X is indexed in the whole tensor, so it reads only the rows its
// outputs need (conv: the output rows' taps, the halo included), which is all the host moves.
//
// Weights come packed by the host once per job (resident, untimed; TensorArg::PackedW, WP_BLOCKED 0): the
// GPU's rows of the split dimension transposed to Wp[k][j], j zero-padded to a multiple of the tile along
// that dimension (linear: NWG, conv: MWG). So the weight operand is always a k-major matrix read in
// aligned float4s, without bounds checks along j.

#ifndef MWG
#define MWG 64
#endif
#ifndef NWG
#define NWG 64
#endif
#ifndef KWG
#define KWG 16
#endif
#ifndef MWI
#define MWI 4
#endif
#ifndef NWI
#define NWI 4
#endif
#ifndef GL_PLAIN
#define GL_PLAIN 0
#endif
#ifndef WGS
#define WGS 64  // gl_im2col's and gl_splitk_sum's work-group size
#endif
#ifndef KSPLIT
#define KSPLIT 1  // split-K: parts of the reduction, each a work-group of its own (gemm_local / conv_local, then the sum)
#endif

#define MDIMC (MWG / MWI)
#define NDIMC (NWG / NWI)
#define GL_WGS (MDIMC * NDIMC)
#if MWI >= 4
#define VWM 4
#else
#define VWM MWI
#endif
#if NWI >= 4
#define VWN 4
#else
#define VWN NWI
#endif
#define GL_CEIL(a, b) (((a) + (b) - 1) / (b))

// One vector of VW floats from local memory (aligned: every offset used is a multiple of VW) into a private
// array (which the unrolled loops keep in registers).
#define GL_LDS1(dst, src) ((dst)[0] = (src)[0])
#define GL_LDS2(dst, src)                                  \
  do {                                                     \
    const float2 t_ = *(__local const float2*)(src);       \
    (dst)[0] = t_.s0;                                      \
    (dst)[1] = t_.s1;                                      \
  } while (0)
#define GL_LDS4(dst, src)                                  \
  do {                                                     \
    const float4 t_ = *(__local const float4*)(src);       \
    (dst)[0] = t_.s0;                                      \
    (dst)[1] = t_.s1;                                      \
    (dst)[2] = t_.s2;                                      \
    (dst)[3] = t_.s3;                                      \
  } while (0)
#define GL_LDS(vw, dst, src) COEXEC_CAT(GL_LDS, vw)(dst, src)

// Tile row of register row i, tile column of register column j (the strided layout above).
#define GL_ROW(i, tm) ((((i) / VWM) * MDIMC + (tm)) * VWM + (i) % VWM)
#define GL_COL(j, tn) ((((j) / VWN) * NDIMC + (tn)) * VWN + (j) % VWN)

// acc += As^T * Bs over one staged step: KWG rank-1 updates of the register tile.
COEXEC_INLINE void gl_multiply(float (*acc)[NWI], __local const float* As, __local const float* Bs, const int tm,
                               const int tn) {
#pragma unroll
  for (int kk = 0; kk < KWG; ++kk) {
    float a[MWI], bv[NWI];
#pragma unroll
    for (int v = 0; v < MWI / VWM; ++v) GL_LDS(VWM, a + v * VWM, As + kk * MWG + (v * MDIMC + tm) * VWM);
#pragma unroll
    for (int v = 0; v < NWI / VWN; ++v) GL_LDS(VWN, bv + v * VWN, Bs + kk * NWG + (v * NDIMC + tn) * VWN);
#pragma unroll
    for (int i = 0; i < MWI; ++i) {
#pragma unroll
      for (int j = 0; j < NWI; ++j) acc[i][j] = fma(a[i], bv[j], acc[i][j]);
    }
  }
}

// Every step is staged in two halves so that global latency overlaps arithmetic: each work-item loads its
// share of step k0 + KWG into registers (gl_load_*) before multiplying step k0 out of local memory, and
// writes them to local memory (gl_store_*) after the barrier that ends step k0.

// Packed weights: KWG rows (k0.. of K) of Wp (rows ldw floats long), columns j0 .. j0 + TW - 1, as float4s;
// rows past K are zero. TW is MWG or NWG; TW, ldw and j0 are multiples of 4 (aligned float4 reads).
#define GL_PACKED_SLOTS(TW) GL_CEIL(KWG * (TW) / 4, GL_WGS)
COEXEC_INLINE void gl_load_packed(float4* reg, const int TW, __global const float* Wp, const int ldw, const int j0,
                                  const int k0, const int K, const int lid) {
#pragma unroll
  for (int s = 0; s < GL_PACKED_SLOTS(TW); ++s) {
    const int e = lid + s * GL_WGS, kk = e / (TW / 4), j4 = (e % (TW / 4)) * 4;
    reg[s] = (float4)(0.0f);
    if ((e < KWG * TW / 4) && k0 + kk < K) reg[s] = *(__global const float4*)(Wp + (size_t)(k0 + kk) * ldw + j0 + j4);
  }
}
COEXEC_INLINE void gl_store_packed(__local float* dst, const float4* reg, const int TW, const int lid) {
#pragma unroll
  for (int s = 0; s < GL_PACKED_SLOTS(TW); ++s) {
    const int e = lid + s * GL_WGS;
    if (e < KWG * TW / 4) *(__local float4*)(dst + (e / (TW / 4)) * TW + (e % (TW / 4)) * 4) = reg[s];
  }
}

// How gl_store adds the bias: bias[col] (gemm_local), bias[row] (conv_local), or none (split-K's partial sums).
#define GL_BIAS_COL 0
#define GL_BIAS_ROW 1
#define GL_BIAS_NONE 2

// Stores the register tile plus bias (per `biasMode`): register (i, j) is tile row GL_ROW(i), column GL_COL(j), at
// y[row * rowStride + col]; only rows < rowsValid and cols < colsValid.
COEXEC_INLINE void gl_store(float (*acc)[NWI], const int tm, const int tn, const int rowsValid, const int colsValid,
                            __global float* y, const size_t rowStride, __global const float* bias, const int biasMode) {
#pragma unroll
  for (int i = 0; i < MWI; ++i) {
    const int row = GL_ROW(i, tm);
    if (row < rowsValid) {
#pragma unroll
      for (int j = 0; j < NWI; ++j) {
        const int col = GL_COL(j, tn);
        if (col < colsValid)
          y[row * rowStride + col] = acc[i][j] + (biasMode == GL_BIAS_ROW ? bias[row] : biasMode == GL_BIAS_COL ? bias[col] : 0.0f);
      }
    }
  }
}

// gemm_local's A operand, X^T: each work-item reads 4 consecutive k (k4..) of one row m of X (X is small
// and cached) and writes them down a column of As, neighbouring work-items taking neighbouring rows, so the
// transposing writes go along rows of As (no bank conflicts). Rows past M read row M - 1 (never stored; a
// row of the GPU's share, so one the host moved), k past kEnd (K, or the end of a split-K part) reads 0.
#define GL_X_SLOTS GL_CEIL(KWG * MWG / 4, GL_WGS)
COEXEC_INLINE void gl_load_x(float4* reg, __global const float* X, const int M, const int K, const int kEnd, const int m0,
                             const int k0, const int lid) {
  // K % 4 == 0: every row's k4 is 16-byte aligned (k0 is a multiple of KWG, so of 4).
  const bool wholeK = k0 + KWG <= kEnd, aligned = (K & 3) == 0;
#pragma unroll
  for (int s = 0; s < GL_X_SLOTS; ++s) {
    const int e = lid + s * GL_WGS, m = e % MWG, k = k0 + (e / MWG) * 4;
    __global const float* x = X + (size_t)min(m0 + m, M - 1) * K + k;
    float4 v = (float4)(0.0f);
    if (e < KWG * MWG / 4) {
      if (wholeK && aligned) {
        v = *(__global const float4*)x;  // one 16-byte load (vload4 assumes only float alignment)
      } else if (wholeK) {
        v = vload4(0, x);
      } else {
        v.s0 = k < kEnd ? x[0] : 0.0f;
        v.s1 = k + 1 < kEnd ? x[1] : 0.0f;
        v.s2 = k + 2 < kEnd ? x[2] : 0.0f;
        v.s3 = k + 3 < kEnd ? x[3] : 0.0f;
      }
    }
    reg[s] = v;
  }
}
COEXEC_INLINE void gl_store_x(__local float* As, const float4* reg, const int lid) {
#pragma unroll
  for (int s = 0; s < GL_X_SLOTS; ++s) {
    const int e = lid + s * GL_WGS, m = e % MWG, k4 = (e / MWG) * 4;
    if (e < KWG * MWG / 4) {
      As[(k4 + 0) * MWG + m] = reg[s].s0;
      As[(k4 + 1) * MWG + m] = reg[s].s1;
      As[(k4 + 2) * MWG + m] = reg[s].s2;
      As[(k4 + 3) * MWG + m] = reg[s].s3;
    }
  }
}

// gemm_local: linear layer Y[M,N] = X[M,K] * W[N,K]^T + b[N], the GPU's columns n in [rowOffset, N) of its
// rows m in [mOffset, M). Tile rows are m - mOffset, columns j = n - rowOffset.
// Split-K (KSPLIT > 1, the gemm_splitk variants): with few rows m (M8 to M64: 2 to 96 tiles for N 3072) each
// work-group walks all of K one step after another while most of a GPU idles. Then group dimension 2 is the
// part ks, which sums only k in [ks * kSpan, (ks + 1) * kSpan) (kSpan: K / KSPLIT rounded up to whole steps of
// KWG; a part past K sums nothing) and stores its tile without bias into `Y`, which is then the partial buffer
// part[ks][m - mOffset][j] (j < N - rowOffset); gemm_splitk_sum adds the parts and the bias into Y.
// Preconditions: local size (NDIMC, MDIMC, 1); global size (ceil((N - rowOffset) / NWG) * NDIMC,
// ceil((M - mOffset) / MWG) * MDIMC, KSPLIT); Wp packed with tile width NWG.
__kernel __attribute__((reqd_work_group_size(NDIMC, MDIMC, 1)))
void gemm_local(const int M, const int N, const int K, const int rowOffset, const int mOffset,
                __global const float* X, __global const float* Wp, __global const float* b,
                __global float* Y COEXEC_SIGNAL_PARAM) {
  __local float As[KWG * MWG] __attribute__((aligned(16)));
  __local float Bs[KWG * NWG] __attribute__((aligned(16)));
  COEXEC_RESIDENT_BEGIN();
  const int tn = get_local_id(0), tm = get_local_id(1), lid = tm * NDIMC + tn;
  const int rows = N - rowOffset, ldw = GL_CEIL(rows, NWG) * NWG;
  const int m0 = mOffset + (int)GROUP_ID(1) * MWG, j0 = (int)GROUP_ID(0) * NWG;
#if KSPLIT > 1
  const int ks = (int)GROUP_ID(2);
  const int kSpan = GL_CEIL(GL_CEIL(K, KSPLIT), KWG) * KWG, kBegin = ks * kSpan, kEnd = min(K, kBegin + kSpan);
#else
  const int kBegin = 0, kEnd = K;
#endif
  float acc[MWI][NWI];
#pragma unroll
  for (int i = 0; i < MWI; ++i) {
#pragma unroll
    for (int j = 0; j < NWI; ++j) acc[i][j] = 0.0f;
  }
  float4 xReg[GL_X_SLOTS], wReg[GL_PACKED_SLOTS(NWG)];
  gl_load_x(xReg, X, M, K, kEnd, m0, kBegin, lid);
  gl_load_packed(wReg, NWG, Wp, ldw, j0, kBegin, kEnd, lid);
  for (int k0 = kBegin; k0 < kEnd; k0 += KWG) {
    gl_store_x(As, xReg, lid);
    gl_store_packed(Bs, wReg, NWG, lid);
    barrier(CLK_LOCAL_MEM_FENCE);
    if (k0 + KWG < kEnd) {  // the next step's loads, in flight during the arithmetic
      gl_load_x(xReg, X, M, K, kEnd, m0, k0 + KWG, lid);
      gl_load_packed(wReg, NWG, Wp, ldw, j0, k0 + KWG, kEnd, lid);
    }
    gl_multiply(acc, As, Bs, tm, tn);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
#if KSPLIT > 1
  gl_store(acc, tm, tn, M - m0, rows - j0, Y + ((size_t)ks * (M - mOffset) + (m0 - mOffset)) * rows + j0, (size_t)rows, b,
           GL_BIAS_NONE);
#else
  gl_store(acc, tm, tn, M - m0, rows - j0, Y + (size_t)m0 * N + rowOffset + j0, (size_t)N, b + rowOffset + j0, GL_BIAS_COL);
#endif
  COEXEC_SIGNAL_DONE();
}

#if KSPLIT > 1
// gemm_splitk_sum (helper after gemm_local in the gemm_splitk variants, not a variant): Y[m][rowOffset + j] =
// b[rowOffset + j] + the sum over parts ks of part[ks][m - mOffset][j], for the GPU's rows m in [mOffset, M) and
// columns j < rows (= N - rowOffset), in part order (the same order at every execution).
// Preconditions: local size (WGS); global size (M - mOffset) * rows rounded up to WGS.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void gemm_splitk_sum(const int M, const int N, const int rows, const int rowOffset, const int mOffset,
                     __global const float* part, __global const float* b, __global float* Y) {
  const int count = M - mOffset, i = (int)get_global_id(0);
  if (i >= count * rows) return;  // no barrier in this kernel: an early return is safe
  const int j = i % rows, m = i / rows;
  float sum = b[rowOffset + j];
  for (int ks = 0; ks < KSPLIT; ++ks) sum += part[((size_t)ks * count + m) * rows + j];
  Y[(size_t)(mOffset + m) * N + rowOffset + j] = sum;
}
#endif  // KSPLIT > 1

// gl_im2col (helper of conv_local_im2col, not a variant): col[bb][k][pq], k = (c * R + r) * S + s, pq = p * Q + q,
// padding taps 0, only the positions pq >= pqOffset (col keeps the whole layout; conv_local reads only those).
// Preconditions: local size (WGS); global size batch * C * R * S * (P * Q - pqOffset) rounded up to WGS.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void gl_im2col(const int batch, const int C, const int H, const int W, const int R, const int S, const int strideH,
               const int strideW, const int padH, const int padW, const int P, const int Q, const int pqOffset,
               __global const float* X, __global float* col) {
  // int indices: the engine refuses layers whose im2col buffer has 2^31 or more elements (ParseLayer), and
  // 64-bit divisions cost a GPU many instructions.
  const int K = C * R * S, PQ = P * Q, count = PQ - pqOffset;
  const int i = (int)get_global_id(0);
  if (i >= batch * K * count) return;  // no barrier in this kernel: an early return is safe
  const int pq = pqOffset + i % count, k = i / count % K, bb = i / (count * K);
  const int c = k / (R * S), r = k / S % R, s = k % S;
  const int ih = pq / Q * strideH - padH + r, iw = pq % Q * strideW - padW + s;
  col[((size_t)bb * K + k) * PQ + pq] = ih >= 0 && ih < H && iw >= 0 && iw < W ? X[(((size_t)bb * C + c) * H + ih) * W + iw] : 0.0f;
}

#if defined(KR) || GL_PLAIN
// conv_local: conv2d (NCHW, X[batch][C][H][W], Y[batch][F][P][Q]) as the GEMM Y[bb][f][pq] =
// sum_k Wp[k][f] * B[k][pq] + b[f] over k = (c * R + r) * S + s, for the GPU's channels f in [rowOffset, F)
// and positions pq in [pqOffset, P * Q). Tile rows are channels j = f - rowOffset, columns output positions
// pq - pqOffset, one batch image per
// get_group_id(2). B is never stored: each step gathers its KWG x NWG values from X on the fly (implicit
// GEMM; taps outside the input are 0: padding, any stride, R != S), or with GL_PLAIN reads them from a
// contiguous [K][P*Q] matrix per image (X itself for a 1x1 stride-1 unpadded conv, else the im2col buffer).
// Each work-item gathers the same NWG / GL_WGS columns (or one column and every GL_WGS / NWG-th row) at
// every step, so their (p, q) is decomposed once.
// Split-K (KSPLIT > 1, the conv_splitk variants): a layer with few output tiles (small P * Q and F) and a long
// reduction (C * R * S) leaves most of a GPU idle while each work-group walks every step of K one after another
// (on the H100, conv_local's time was about 25 ns per element of K whatever F: C512 7x7 3x3 113 us at F64 and at
// F512). Then group dimension 2 is (image, part): part ks sums only k in [ks * kSpan, (ks + 1) * kSpan) (kSpan:
// K / KSPLIT rounded up to whole steps of KWG; a part past K sums nothing) and stores its tile without bias into
// `Y`, which is then the partial buffer part[ks][bb][j][pq] (j = f - rowOffset < F - rowOffset, pq < P * Q), and
// gl_splitk_sum adds the parts and the bias into Y.
// Preconditions: built with KR, KS, KSH, KSW equal to R, S, strideH, strideW (unless GL_PLAIN); local size
// (NDIMC, MDIMC, 1); global size (ceil((P * Q - pqOffset) / NWG) * NDIMC, ceil((F - rowOffset) / MWG) * MDIMC,
// batch * KSPLIT);
// Wp packed with tile width MWG.
#define GL_BCOLS (NWG >= GL_WGS ? NWG / GL_WGS : 1)     // columns of B a work-item gathers
#define GL_BROWSTEP (GL_WGS >= NWG ? GL_WGS / NWG : 1)  // rows between its gathers in one column
#define GL_BROWS (KWG / GL_BROWSTEP)                     // rows of B a work-item gathers per column

// Where a work-item gathers B from: per column it gathers, GL_PLAIN: whether the position is inside P * Q;
// else the input row and column of tap (0, 0), the row far outside for positions past P * Q (gathers 0).
typedef struct {
  int ih[GL_BCOLS], iw[GL_BCOLS];
  bool ok[GL_BCOLS];
} GlGather;

// Loads step k0's B values of this work-item (rows row0 + r * GL_BROWSTEP, columns col0 + c * GL_WGS).
COEXEC_INLINE void gl_load_b(float (*reg)[GL_BCOLS], const GlGather* g, __global const float* xb, const int H, const int W,
                             const int PQ, const int K, const int pq0, const int col0, const int row0, const int k0) {
#pragma unroll
  for (int r = 0; r < GL_BROWS; ++r) {
    const int k = k0 + row0 + r * GL_BROWSTEP;
#if GL_PLAIN
#pragma unroll
    for (int c = 0; c < GL_BCOLS; ++c)
      reg[r][c] = k < K && g->ok[c] ? xb[(size_t)k * PQ + pq0 + col0 + c * GL_WGS] : 0.0f;
#else
    const int ch = k / (KR * KS), tap = k - ch * (KR * KS), fr = tap / KS, fs = tap - fr * KS;
    __global const float* xc = xb + (size_t)ch * H * W;
#pragma unroll
    for (int c = 0; c < GL_BCOLS; ++c) {
      const int ih = g->ih[c] + fr, iw = g->iw[c] + fs;
      reg[r][c] = k < K && ih >= 0 && ih < H && iw >= 0 && iw < W ? xc[ih * W + iw] : 0.0f;
    }
#endif
  }
}
COEXEC_INLINE void gl_store_b(__local float* Bs, float (*reg)[GL_BCOLS], const int col0, const int row0) {
#pragma unroll
  for (int r = 0; r < GL_BROWS; ++r) {
#pragma unroll
    for (int c = 0; c < GL_BCOLS; ++c) Bs[(row0 + r * GL_BROWSTEP) * NWG + col0 + c * GL_WGS] = reg[r][c];
  }
}

__kernel __attribute__((reqd_work_group_size(NDIMC, MDIMC, 1)))
void conv_local(const int batch, const int C, const int H, const int W, const int F, const int rArg, const int sArg,
                const int strideHArg, const int strideWArg, const int padH, const int padW, const int P, const int Q,
                const int rowOffset, const int pqOffset, __global const float* X, __global const float* Wp,
                __global const float* b,
                __global float* Y COEXEC_SIGNAL_PARAM) {
  __local float As[KWG * MWG] __attribute__((aligned(16)));
  __local float Bs[KWG * NWG] __attribute__((aligned(16)));
  COEXEC_RESIDENT_BEGIN();
  const int tn = get_local_id(0), tm = get_local_id(1), lid = tm * NDIMC + tn;
  const int rows = F - rowOffset, ldw = GL_CEIL(rows, MWG) * MWG;
  const int PQ = P * Q, K = C * rArg * sArg;
#if KSPLIT > 1
  const int bb = (int)GROUP_ID(2) / KSPLIT, ks = (int)GROUP_ID(2) % KSPLIT;
  const int kSpan = GL_CEIL(GL_CEIL(K, KSPLIT), KWG) * KWG, kBegin = ks * kSpan, kEnd = min(K, kBegin + kSpan);
#else
  const int bb = (int)GROUP_ID(2), kBegin = 0, kEnd = K;
#endif
  const int pq0 = pqOffset + (int)GROUP_ID(0) * NWG, f0 = (int)GROUP_ID(1) * MWG;
  const int col0 = lid % NWG, row0 = lid / NWG;  // the first column and row this work-item gathers
  GlGather g;
#pragma unroll
  for (int c = 0; c < GL_BCOLS; ++c) {
    const int pq = pq0 + col0 + c * GL_WGS;
    g.ok[c] = pq < PQ;
#if !GL_PLAIN
    g.ih[c] = pq < PQ ? pq / Q * KSH - padH : -(KR + H);
    g.iw[c] = pq % Q * KSW - padW;
#endif
  }
#if GL_PLAIN
  __global const float* xb = X + (size_t)bb * K * PQ;
#else
  __global const float* xb = X + (size_t)bb * C * H * W;
#endif
  float acc[MWI][NWI];
#pragma unroll
  for (int i = 0; i < MWI; ++i) {
#pragma unroll
    for (int j = 0; j < NWI; ++j) acc[i][j] = 0.0f;
  }
  float4 wReg[GL_PACKED_SLOTS(MWG)];
  float bReg[GL_BROWS][GL_BCOLS];
  gl_load_packed(wReg, MWG, Wp, ldw, f0, kBegin, kEnd, lid);
  gl_load_b(bReg, &g, xb, H, W, PQ, kEnd, pq0, col0, row0, kBegin);
  for (int k0 = kBegin; k0 < kEnd; k0 += KWG) {
    gl_store_packed(As, wReg, MWG, lid);
    gl_store_b(Bs, bReg, col0, row0);
    barrier(CLK_LOCAL_MEM_FENCE);
    if (k0 + KWG < kEnd) {  // the next step's loads, in flight during the arithmetic
      gl_load_packed(wReg, MWG, Wp, ldw, f0, k0 + KWG, kEnd, lid);
      gl_load_b(bReg, &g, xb, H, W, PQ, kEnd, pq0, col0, row0, k0 + KWG);
    }
    gl_multiply(acc, As, Bs, tm, tn);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
#if KSPLIT > 1
  gl_store(acc, tm, tn, rows - f0, PQ - pq0, Y + (((size_t)ks * batch + bb) * rows + f0) * PQ + pq0, (size_t)PQ, b,
           GL_BIAS_NONE);
#else
  gl_store(acc, tm, tn, rows - f0, PQ - pq0, Y + ((size_t)bb * F + rowOffset + f0) * PQ + pq0, (size_t)PQ,
           b + rowOffset + f0, GL_BIAS_ROW);
#endif
  COEXEC_SIGNAL_DONE();
}
#endif  // KR || GL_PLAIN

#if KSPLIT > 1
// gl_splitk_sum (helper after conv_local in the conv_splitk variants, not a variant): Y[bb][rowOffset + j][pq] =
// b[rowOffset + j] + the sum over parts ks of part[ks][bb][j][pq], for the GPU's channels j < rows (= F - rowOffset)
// and positions pq in [pqOffset, P * Q), in part order (the same order at every execution).
// Preconditions: local size (WGS); global size batch * rows * (PQ - pqOffset) rounded up to WGS.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void gl_splitk_sum(const int batch, const int F, const int rows, const int rowOffset, const int PQ, const int pqOffset,
                   __global const float* part, __global const float* b, __global float* Y) {
  const int count = PQ - pqOffset, i = (int)get_global_id(0);
  if (i >= batch * rows * count) return;  // no barrier in this kernel: an early return is safe
  const int pq = pqOffset + i % count, j = i / count % rows, bb = i / (count * rows);
  float sum = b[rowOffset + j];
  for (int ks = 0; ks < KSPLIT; ++ks) sum += part[(((size_t)ks * batch + bb) * rows + j) * PQ + pq];
  Y[((size_t)bb * F + rowOffset + j) * PQ + pq] = sum;
}
#endif  // KSPLIT > 1
