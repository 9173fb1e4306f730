// Conv2d, NCHW input X[batch,C,H,W], weights Wt[F,C,R,S], bias b[F], output Y[batch,F,P,Q], groups = 1.
// GPU side of the split: every layer kernel computes only output channels f in [rowOffset, F) of the output
// rows p in [pOffset, P) (as positions: pq in [pqOffset, P*Q), pqOffset = pOffset * Q), and never touches
// the others, which the CPU writes at the same time: a split along F passes pOffset 0, a split along the
// output height rowOffset 0 (native/src/split.h). Inputs are indexed in the whole X, so a kernel reads only
// the input rows its output rows need. Needs common.cl prepended.

#ifndef WGS
#define WGS 64  // conv_direct and im2col: 1-D work-group size
#endif
#ifndef TS
#define TS 16   // conv_im2col_gemm / conv_1x1_gemm: tile edge; work-group TS x TS
#endif
#ifndef VW
#define VW 8    // conv_reg / conv_reg_1x1: output channels per work-item, one floatVW each (4, 8 or 16)
#endif
#ifndef VN
#define VN 1    // conv_reg / conv_reg_1x1: vectors per work-item along F (1, 2 or 4)
#endif
#ifndef RQ
#define RQ 4    // conv_reg / conv_reg_1x1: output positions per work-item; the register tile is RQ x (VN * VW)
#endif
#ifndef WP_BLOCKED
#define WP_BLOCKED 0  // conv_reg / conv_reg_1x1: packed weight layout, 1 = tile-blocked (CPU devices), 0 = tap-major
#endif

// conv_direct: one work-item per output element (b, f, p, q), f >= rowOffset, p >= pOffset; taps outside
// the padded input are skipped. Preconditions: local size (WGS); global size
// batch * (F - rowOffset) * (P - pOffset) * Q rounded up to WGS (the extra work-items idle).
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void conv_direct(const int batch, const int C, const int H, const int W, const int F, const int R,
                 const int S, const int strideH, const int strideW, const int padH, const int padW,
                 const int P, const int Q, const int rowOffset, const int pOffset,
                 __global const float* X, __global const float* Wt, __global const float* b,
                 __global float* Y COEXEC_SIGNAL_PARAM) {
  COEXEC_RESIDENT_BEGIN();
  const int rows = F - rowOffset, rowsP = P - pOffset;
  const long gid = GLOBAL_ID(0);
  if (gid < (long)batch * rows * rowsP * Q) {
    const int q = gid % Q;
    long t = gid / Q;
    const int p = pOffset + (int)(t % rowsP);
    t /= rowsP;
    const int f = rowOffset + (int)(t % rows);
    const int bb = (int)(t / rows);
    float acc = b[f];
    for (int c = 0; c < C; ++c) {
      __global const float* xc = X + ((size_t)bb * C + c) * H * W;
      __global const float* wc = Wt + ((size_t)f * C + c) * R * S;
      for (int r = 0; r < R; ++r) {
        const int ih = p * strideH - padH + r;
        if (ih < 0 || ih >= H) continue;
        for (int s = 0; s < S; ++s) {
          const int iw = q * strideW - padW + s;
          if (iw >= 0 && iw < W) acc = fma(xc[ih * W + iw], wc[r * S + s], acc);
        }
      }
    }
    Y[(((size_t)bb * F + f) * P + p) * Q + q] = acc;
  }
  COEXEC_SIGNAL_DONE();
}

// im2col (helper of conv_im2col_gemm, not a variant): col[b][k][pq] with k = (c * R + r) * S + s and
// pq = p * Q + q; padding taps are 0. The same layout as X itself for a 1x1, stride-1, unpadded conv.
// Only the positions pq >= pqOffset are written (col keeps the whole layout; the GEMM reads only those).
// Preconditions: local size (WGS); global size batch * C * R * S * (P * Q - pqOffset) rounded up to WGS.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void im2col(const int batch, const int C, const int H, const int W, const int R, const int S,
            const int strideH, const int strideW, const int padH, const int padW, const int P, const int Q,
            const int pqOffset, __global const float* X, __global float* col) {
  const int K = C * R * S, PQ = P * Q, count = PQ - pqOffset;
  const long gid = get_global_id(0);
  if (gid >= (long)batch * K * count) return;  // no barrier in this kernel, so an early return is safe
  const int pq = pqOffset + (int)(gid % count);
  const long t = gid / count;
  const int k = t % K, bb = (int)(t / K);
  const int s = k % S, r = (k / S) % R, c = k / (R * S);
  const int ih = (pq / Q) * strideH - padH + r, iw = (pq % Q) * strideW - padW + s;
  col[t * PQ + pq] = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? X[(((size_t)bb * C + c) * H + ih) * W + iw] : 0.0f;
}

// conv_bias_rows (helper of the clblast variant, not a variant): Y[bb][f][pq] += b[f] for f >= rowOffset,
// after CLBlastSconvgemm wrote the convolution without bias. Preconditions: local size (WGS); global size
// batch * (F - rowOffset) * PQ rounded up to WGS.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void conv_bias_rows(const int batch, const int F, const int PQ, const int rowOffset, __global const float* b,
                    __global float* Y) {
  const int rows = F - rowOffset;
  const long gid = get_global_id(0);
  if (gid >= (long)batch * rows * PQ) return;  // no barrier in this kernel, so an early return is safe
  const int f = rowOffset + (int)(gid / PQ % rows);
  const long bb = gid / ((long)rows * PQ);
  Y[(bb * F + f) * PQ + gid % PQ] += b[f];
}

// Y[b][f][pq] = sum_k Wt[f][k] * B[b][k][pq] + b[f] for f >= rowOffset and pq >= pqOffset, one TS x TS tile
// of (pq, f) per work-group (dimension 0 along pq so that B and Y accesses are contiguous, 1 along f, 2 the
// batch).
inline void conv_gemm_tile(const int F, const int K, const int PQ, const int rowOffset, const int pqOffset,
                           __global const float* B, __global const float* Wt, __global const float* b,
                           __global float* Y, __local float (*As)[TS + 1], __local float (*Bs)[TS + 1],
                           const int group0, const int group1, const int bb) {
  const int tx = get_local_id(0), ty = get_local_id(1);
  const int pqBase = pqOffset + group0 * TS, fBase = rowOffset + group1 * TS;
  __global const float* Bb = B + (size_t)bb * K * PQ;
  float acc = 0.0f;
  for (int k0 = 0; k0 < K; k0 += TS) {
    As[ty][tx] = (fBase + ty < F && k0 + tx < K) ? Wt[(size_t)(fBase + ty) * K + k0 + tx] : 0.0f;
    Bs[ty][tx] = (k0 + ty < K && pqBase + tx < PQ) ? Bb[(size_t)(k0 + ty) * PQ + pqBase + tx] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int kk = 0; kk < TS; ++kk) acc = fma(As[ty][kk], Bs[kk][tx], acc);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const int f = fBase + ty, pq = pqBase + tx;
  if (f < F && pq < PQ) Y[((size_t)bb * F + f) * PQ + pq] = acc + b[f];
}

// conv_im2col_gemm: the GEMM half of the im2col variant (the host enqueues im2col first, in order).
// col is [batch][C*R*S][P*Q]. Preconditions: local size (TS, TS, 1); global size
// (ceil((P*Q - pqOffset) / TS) * TS, ceil((F - rowOffset) / TS) * TS, batch).
__kernel __attribute__((reqd_work_group_size(TS, TS, 1)))
void conv_im2col_gemm(const int F, const int K, const int PQ, const int rowOffset, const int pqOffset,
                      __global const float* col, __global const float* Wt, __global const float* b,
                      __global float* Y COEXEC_SIGNAL_PARAM) {
  __local float As[TS][TS + 1];
  __local float Bs[TS][TS + 1];
  COEXEC_RESIDENT_BEGIN();
  conv_gemm_tile(F, K, PQ, rowOffset, pqOffset, col, Wt, b, Y, As, Bs, (int)GROUP_ID(0), (int)GROUP_ID(1), (int)GLOBAL_ID(2));
  COEXEC_SIGNAL_DONE();
}

// conv_1x1_gemm: a 1x1, stride-1, unpadded conv is a GEMM over X itself ([batch][C][H*W]), no im2col.
// Preconditions: R = S = 1, strides 1, pads 0 (the host refuses anything else); K = C, PQ = H * W;
// sizes as conv_im2col_gemm.
__kernel __attribute__((reqd_work_group_size(TS, TS, 1)))
void conv_1x1_gemm(const int F, const int K, const int PQ, const int rowOffset, const int pqOffset,
                   __global const float* X, __global const float* Wt, __global const float* b,
                   __global float* Y COEXEC_SIGNAL_PARAM) {
  __local float As[TS][TS + 1];
  __local float Bs[TS][TS + 1];
  COEXEC_RESIDENT_BEGIN();
  conv_gemm_tile(F, K, PQ, rowOffset, pqOffset, X, Wt, b, Y, As, Bs, (int)GROUP_ID(0), (int)GROUP_ID(1), (int)GLOBAL_ID(2));
  COEXEC_SIGNAL_DONE();
}

// Shared by conv_reg and conv_reg_1x1. Weights come packed by the host once per job (resident, untimed):
// the GPU's channels transposed, Wt[rowOffset + j][k] with k = (c * R + r) * S + s, zero-padded to
// FP = ceil((F - rowOffset) / (VN * VW)) * VN * VW channels j, laid out as Wp[k][j] (WP_BLOCKED 0: a tile's
// taps are FP floats apart, neighbouring tiles read neighbouring vectors) or Wp[j / TW][k][j % TW]
// (WP_BLOCKED 1, TW = VN * VW: one contiguous stream per work-item, for CPU devices). A tile is RQ output
// positions x VN * VW channels, acc[i][u] holding channels u * VW.. of position i.
#define CONV_REG_TW (VN * VW)

// The packed weights of channel block fb: the first tap's VN vectors, and floatV from one tap to the next.
COEXEC_INLINE __global const floatV* conv_reg_weights(__global const float* Wp, const int fb, const int fBlocks,
                                               const int taps, int* tapStride) {
#if WP_BLOCKED
  *tapStride = VN;
  return (__global const floatV*)Wp + (size_t)fb * taps * VN;
#else
  *tapStride = fBlocks * VN;
  return (__global const floatV*)Wp + fb * VN;
#endif
}

// Stores the tile (channels f0.., positions at offsets pos[i] where posOk[i]) plus bias into Y[bb][f][.]
// for the channels below F.
COEXEC_INLINE void conv_reg_store(floatV (*acc)[VN], const int* pos, const bool* posOk, const int f0, const int F,
                           const int bb, const int PQ, __global const float* b, __global float* Y) {
  const int valid = min(CONV_REG_TW, F - f0);
  float out[RQ][CONV_REG_TW];
#pragma unroll
  for (int i = 0; i < RQ; ++i) {
#pragma unroll
    for (int u = 0; u < VN; ++u) vstoreV(acc[i][u], u, out[i]);
  }
  for (int v = 0; v < valid; ++v) {
    const float bias = b[f0 + v];
    __global float* y = Y + ((size_t)bb * F + f0 + v) * PQ;
#pragma unroll
    for (int i = 0; i < RQ; ++i) {
      if (posOk[i]) y[pos[i]] = out[i][v] + bias;
    }
  }
}

// conv_reg is built for one layer: the host passes its filter shape and strides as KR, KS, KSH, KSW, so
// the tap loops unroll fully and the input columns of a filter row fit a register array (CONV_REG_SEG).
// The kernel's arguments carry the same values.
#ifdef KR
#define CONV_REG_R KR
#define CONV_REG_S KS
#define CONV_REG_STRIDE_H KSH
#define CONV_REG_STRIDE_W KSW
#define CONV_REG_SEG ((RQ - 1) * KSW + KS)  // input columns one filter row of a tile reads

// One filter row r of conv_reg: acc[i] += x(p, q0 + i) * w over the taps s. The input columns the tile
// reads, iw0 .. iw0 + CONV_REG_SEG - 1, are loaded once (zero outside the input when checked: padding) and
// every tap of every position takes its column from there (with stride 1, neighbouring positions share them).
COEXEC_INLINE void conv_reg_row(floatV (*acc)[VN], __global const float* xrow, __global const floatV* w,
                                const int tapStride, const int W, const int iw0, const bool checked) {
  float seg[CONV_REG_SEG];
#pragma unroll
  for (int e = 0; e < CONV_REG_SEG; ++e) {
    const int iw = iw0 + e;
    if (checked) {  // load from a clamped column, then select: no branch per column
      const float v = xrow[clamp(iw, 0, W - 1)];
      seg[e] = (iw >= 0 && iw < W) ? v : 0.0f;
    } else {
      seg[e] = xrow[iw];
    }
  }
#pragma unroll
  for (int s = 0; s < CONV_REG_S; ++s) {
    floatV ws[VN];
#pragma unroll
    for (int u = 0; u < VN; ++u) ws[u] = w[(size_t)s * tapStride + u];
#pragma unroll
    for (int i = 0; i < RQ; ++i) {
      const floatV xv = (floatV)(seg[i * CONV_REG_STRIDE_W + s]);
#pragma unroll
      for (int u = 0; u < VN; ++u) acc[i][u] = fma(xv, ws[u], acc[i][u]);
    }
  }
}

// conv_reg: register-tiled direct convolution (implicit GEMM over the packed weights, no im2col buffer).
// One work-item computes VN * VW output channels x RQ consecutive output columns q of one output row p, in
// RQ x VN floatVW accumulators: per tap VN vector loads of weights and RQ x VN FMAs, each broadcasting one
// input value. Any stride, padding and R != S: rows above/below the input are skipped, columns left/right
// of it read as 0 (a tile wholly inside takes the unchecked path).
// Tiles are numbered q block fastest, then p, then channel block, then batch image: consecutive work-items
// share one channel block of weights (cache reuse on a CPU device; one broadcast address on GPUs) and
// read neighbouring input columns.
// Preconditions: built with KR, KS, KSH, KSW equal to R, S, strideH, strideW; local size (WGS); global size
// batch * ceil((F - rowOffset) / (VN * VW)) * (P - pOffset) * ceil(Q / RQ) rounded up to WGS (the extra work-items
// recompute tile 0 and store nothing); Wp aligned to VW floats.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void conv_reg(const int batch, const int C, const int H, const int W, const int F, const int rArg, const int sArg,
              const int strideHArg, const int strideWArg, const int padH, const int padW, const int P, const int Q,
              const int rowOffset, const int pOffset, __global const float* X, __global const float* Wp,
              __global const float* b, __global float* Y COEXEC_SIGNAL_PARAM) {
  COEXEC_RESIDENT_BEGIN();
  const int R = CONV_REG_R, S = CONV_REG_S, strideH = CONV_REG_STRIDE_H, strideW = CONV_REG_STRIDE_W;
  const int fBlocks = (F - rowOffset + CONV_REG_TW - 1) / CONV_REG_TW, qBlocks = (Q + RQ - 1) / RQ;
  const int rowsP = P - pOffset;
  int t = GLOBAL_ID(0);
  const bool active = t < batch * fBlocks * rowsP * qBlocks;
  if (!active) t = 0;
  const int q0 = (t % qBlocks) * RQ;
  t /= qBlocks;
  const int p = pOffset + t % rowsP;
  t /= rowsP;
  const int fb = t % fBlocks, bb = t / fBlocks;
  floatV acc[RQ][VN];
#pragma unroll
  for (int i = 0; i < RQ; ++i) {
#pragma unroll
    for (int u = 0; u < VN; ++u) acc[i][u] = (floatV)(0.0f);
  }
  const int iw0 = q0 * strideW - padW;
  const bool checked = iw0 < 0 || iw0 + (RQ - 1) * strideW + S - 1 >= W;
  int tapVectors;
  __global const floatV* wv = conv_reg_weights(Wp, fb, fBlocks, C * R * S, &tapVectors);
  for (int c = 0; c < C; ++c) {
    __global const float* xc = X + ((size_t)bb * C + c) * H * W;
    for (int r = 0; r < R; ++r) {
      const int ih = p * strideH - padH + r;
      if (ih < 0 || ih >= H) continue;
      __global const floatV* w = wv + (size_t)((c * R + r) * S) * tapVectors;
      if (checked) conv_reg_row(acc, xc + ih * W, w, tapVectors, W, iw0, true);
      else conv_reg_row(acc, xc + ih * W, w, tapVectors, W, iw0, false);
    }
  }
  if (active) {
    int pos[RQ];
    bool posOk[RQ];
#pragma unroll
    for (int i = 0; i < RQ; ++i) {
      pos[i] = p * Q + q0 + i;
      posOk[i] = q0 + i < Q;
    }
    conv_reg_store(acc, pos, posOk, rowOffset + fb * CONV_REG_TW, F, bb, P * Q, b, Y);
  }
  COEXEC_SIGNAL_DONE();
}
#endif  // KR

// The channel loop of conv_reg_1x1: acc[i] += X[c][position i] * Wp's vectors of c, positions at x + i
// (whole tile) or at x + pos[i] (partial).
COEXEC_INLINE void conv_reg_1x1_taps(floatV (*acc)[VN], __global const float* x, __global const floatV* w,
                                     const int tapStride, const int C, const int PQ, const int* pos,
                                     const bool partial) {
  for (int c = 0; c < C; ++c) {
    floatV wc[VN];
#pragma unroll
    for (int u = 0; u < VN; ++u) wc[u] = w[(size_t)c * tapStride + u];
    __global const float* xc = x + (size_t)c * PQ;
#pragma unroll
    for (int i = 0; i < RQ; ++i) {
      const floatV xv = (floatV)(xc[partial ? pos[i] : i]);
#pragma unroll
      for (int u = 0; u < VN; ++u) acc[i][u] = fma(xv, wc[u], acc[i][u]);
    }
  }
}

// conv_reg_1x1: a 1x1, stride-1, unpadded conv is Y[b][f][pq] = sum_c Wp[c][f] X[b][c][pq]: the tile is
// VN * VW channels x RQ consecutive positions pq (across output rows), no bounds tests inside the loop.
// Tiles are numbered pq block fastest, then channel block, then batch image.
// Preconditions: R = S = 1, strides 1, pads 0 (the host refuses anything else); local size (WGS); global
// size batch * ceil((F - rowOffset) / (VN * VW)) * ceil((H * W - pqOffset) / RQ) rounded up to WGS; Wp
// aligned to VW floats.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void conv_reg_1x1(const int batch, const int C, const int H, const int W, const int F, const int rowOffset,
                  const int pqOffset, __global const float* X, __global const float* Wp, __global const float* b,
                  __global float* Y COEXEC_SIGNAL_PARAM) {
  COEXEC_RESIDENT_BEGIN();
  const int PQ = H * W;
  const int fBlocks = (F - rowOffset + CONV_REG_TW - 1) / CONV_REG_TW, pBlocks = (PQ - pqOffset + RQ - 1) / RQ;
  int t = GLOBAL_ID(0);
  const bool active = t < batch * fBlocks * pBlocks;
  if (!active) t = 0;
  const int pq0 = pqOffset + (t % pBlocks) * RQ;
  t /= pBlocks;
  const int fb = t % fBlocks, bb = t / fBlocks;
  int pos[RQ];
  bool posOk[RQ];
  floatV acc[RQ][VN];
#pragma unroll
  for (int i = 0; i < RQ; ++i) {
    posOk[i] = pq0 + i < PQ;
    pos[i] = min(pq0 + i, PQ - 1);  // past the end: read the last position, store nothing
#pragma unroll
    for (int u = 0; u < VN; ++u) acc[i][u] = (floatV)(0.0f);
  }
  int tapVectors;
  __global const floatV* w = conv_reg_weights(Wp, fb, fBlocks, C, &tapVectors);
  // A whole tile reads RQ consecutive positions at constant offsets from one pointer; only the last, partial
  // tile needs the clamped per-position indices (which would occupy RQ registers in the loop).
  if (pq0 + RQ <= PQ) conv_reg_1x1_taps(acc, X + (size_t)bb * C * PQ + pq0, w, tapVectors, C, PQ, pos, false);
  else conv_reg_1x1_taps(acc, X + (size_t)bb * C * PQ, w, tapVectors, C, PQ, pos, true);
  if (active) conv_reg_store(acc, pos, posOk, rowOffset + fb * CONV_REG_TW, F, bb, PQ, b, Y);
  COEXEC_SIGNAL_DONE();
}

// conv_pq_1x1: conv_reg_1x1 with the register tile turned around, for CPU devices (PoCL): the tile is RF
// channels x VN * VW consecutive positions pq, the positions vectorized. Per channel c: VN vector loads of
// X[b][c][pq0..] (contiguous: whole cache lines, where conv_reg_1x1 broadcasts RQ scalars from each row of X),
// RF broadcasts of the packed weights and RF x VN FMAs; the tile is stored as RF x VN vector stores along Y's
// rows (conv_reg_1x1 stores scalars, one channel row per element). The weights are packed as for conv_reg_1x1
// with tile width RF (WP_BLOCKED 1: each channel block's weights are one c-major stream).
// One work-item per pq block walks all of the GPU's channel blocks, RF channels at a time, re-reading its input
// slab (C x VN * VW floats, 4-16 KB) from L1 instead of each (channel block, pq block) task fetching it again
// (measured on the 2-core VM's PoCL: 1.0-1.5x faster than a work-item per channel block on C64 / C144 56x56;
// fewer, longer work-groups too, though PoCL 3.1's launch cost there is per command, results/benchmarks/README.md).
// The last, partial pq block of an image loads its tail positions through clamped indices and stores only the
// positions below PQ.
// Preconditions: R = S = 1, strides 1, pads 0 (the host refuses anything else); local size (WGS); global size
// batch * ceil((H * W - pqOffset) / (VN * VW)) rounded up to WGS (the extra work-items recompute tile 0 and store
// nothing).
#ifdef RF
#define CONV_PQ_TW (VN * VW)
#define vloadV COEXEC_CAT(vload, VW)

// conv_pq_1x1 and conv_pq: the packed weights of output-channel block fb, whose blocks are perBlock taps long
// (C for 1x1, C * R * S otherwise), and the distance between one tap's RF weights and the next's.
#if WP_BLOCKED
#define CONV_PQ_FILTER_BLOCK(fb, perBlock) (Wp + (size_t)(fb) * (perBlock) * RF)
#define CONV_PQ_TAP_STRIDE(fBlocks) RF
#else
#define CONV_PQ_FILTER_BLOCK(fb, perBlock) (Wp + (fb) * RF)
#define CONV_PQ_TAP_STRIDE(fBlocks) ((fBlocks) * RF)  // packed channels per tap
#endif

// Both kernels' accumulator tile, RF channels x VN vectors, set to zero.
COEXEC_INLINE void conv_pq_zero(floatV (*acc)[VN]) {
#pragma unroll
  for (int r = 0; r < RF; ++r) {
#pragma unroll
    for (int u = 0; u < VN; ++u) acc[r][u] = (floatV)(0.0f);
  }
}

// One channel c of conv_pq_1x1: acc[r][u] += Wp(c, channel r) * X(c, vector u).
COEXEC_INLINE void conv_pq_1x1_step(floatV (*acc)[VN], const floatV* xv, __global const float* wc) {
#pragma unroll
  for (int r = 0; r < RF; ++r) {
    const floatV wr = (floatV)(wc[r]);
#pragma unroll
    for (int u = 0; u < VN; ++u) acc[r][u] = fma(wr, xv[u], acc[r][u]);
  }
}

__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void conv_pq_1x1(const int batch, const int C, const int H, const int W, const int F, const int rowOffset,
                 const int pqOffset, __global const float* X, __global const float* Wp, __global const float* b,
                 __global float* Y COEXEC_SIGNAL_PARAM) {
  COEXEC_RESIDENT_BEGIN();
  const int PQ = H * W, rows = F - rowOffset;
  const int fBlocks = (rows + RF - 1) / RF, pBlocks = (PQ - pqOffset + CONV_PQ_TW - 1) / CONV_PQ_TW;
  int t = GLOBAL_ID(0);
  const bool active = t < batch * pBlocks;
  if (!active) t = 0;
  const int pq0 = pqOffset + (t % pBlocks) * CONV_PQ_TW, bb = t / pBlocks;
  __global const float* x = X + (size_t)bb * C * PQ + pq0;
  const bool whole = pq0 + CONV_PQ_TW <= PQ;
  for (int fb = 0; fb < fBlocks; ++fb) {
    __global const float* w = CONV_PQ_FILTER_BLOCK(fb, C);
    const int cStride = CONV_PQ_TAP_STRIDE(fBlocks);
    floatV acc[RF][VN];
    conv_pq_zero(acc);
    if (whole) {
      for (int c = 0; c < C; ++c) {
        floatV xv[VN];
#pragma unroll
        for (int u = 0; u < VN; ++u) xv[u] = vloadV(u, x + (size_t)c * PQ);
        conv_pq_1x1_step(acc, xv, w + (size_t)c * cStride);
      }
    } else {
      const int last = PQ - 1 - pq0;  // offsets past it read the image's last position (not stored)
      for (int c = 0; c < C; ++c) {
        float xs[CONV_PQ_TW];
        for (int e = 0; e < CONV_PQ_TW; ++e) xs[e] = x[(size_t)c * PQ + min(e, last)];
        floatV xv[VN];
#pragma unroll
        for (int u = 0; u < VN; ++u) xv[u] = vloadV(u, xs);
        conv_pq_1x1_step(acc, xv, w + (size_t)c * cStride);
      }
    }
    if (active) {
      const int f0 = rowOffset + fb * RF, valid = min(RF, F - f0), count = min(CONV_PQ_TW, PQ - pq0);
#pragma unroll
      for (int r = 0; r < RF; ++r) {
        if (r < valid) {
          const floatV bias = (floatV)(b[f0 + r]);
          __global float* y = Y + ((size_t)bb * F + f0 + r) * PQ + pq0;
          if (whole) {
#pragma unroll
            for (int u = 0; u < VN; ++u) vstoreV(acc[r][u] + bias, u, y);
          } else {
            float out[CONV_PQ_TW];
#pragma unroll
            for (int u = 0; u < VN; ++u) vstoreV(acc[r][u] + bias, u, out);
            for (int e = 0; e < count; ++e) y[e] = out[e];
          }
        }
      }
    }
  }
  COEXEC_SIGNAL_DONE();
}
#endif  // RF

// conv_pq: conv_pq_1x1's turned-around tile for any R x S filter with stride 1 along the width, for CPU
// devices (PoCL). The tile is RF channels x VN output rows p x VW consecutive output columns q, the columns
// vectorized: along a row, tap (r, s) reads input columns q0 + s .. q0 + s + VW - 1 of the padded input, one
// contiguous (unaligned) vector load per (output row, tap), then per channel one weight broadcast for VN FMAs.
// VN counts rows rather than more columns: Q = 56, 28, 14, 7 are multiples of 8 or 4 but rarely of 16.
// Like conv_pq_1x1, one work-item per position block walks every channel block of the GPU's channels, RF at a
// time, its input slab (C x (VN - 1) * strideH + R rows x VW + S - 1 columns) staying in L1 or L2.
// Weights are packed as for conv_reg with tile width RF (WP_BLOCKED 1: one tap-major stream per channel block).
// The input comes zero-padded by conv_pq_pad (below), its rows and columns covering every tile, the last ones
// past P and Q included: no bounds tests in the tap loops. (Tests there, with a gather into a private array
// for the tiles on the padding, made those tiles about 3x slower on the 2-core VM's PoCL: with Q = 28 and
// VW = 8 half of the tiles.) Rows past P and columns past Q are computed and not stored.
// Preconditions: built with KR, KS, KSH equal to R, S, strideH (any); strideW 1 (the host refuses others);
// Xp = conv_pq_pad's output for these Hx, Wx (rows from pOffset * strideH on); local size (WGS); global size
// batch * ceil((P - pOffset) / VN) * ceil(Q / VW) rounded up to WGS (the extra work-items recompute tile 0 and
// store nothing); Wp packed with tile width RF.
#if defined(RF) && defined(KR)
// conv_pq_pad (helper of conv_pq, not a variant): Xp[b][c][hx][wx] = X[b][c][hx - padH][wx - padW], 0 outside
// X, for the rows hx in [hx0, Hx) and all Wx >= padW + W columns (the host sizes Hx, Wx to cover conv_pq's tiles).
// One work-item per channel plane, work-groups of one: each row is a contiguous copy between zero runs, and a
// work-item per element (or per row) cost PoCL about as long as conv_pq itself in work-group overhead (about
// 1 ms of a 3.5 ms layer for C64 56x56 on the VM).
// Preconditions: local size 1; global size batch * C.
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void conv_pq_pad(const int batch, const int C, const int H, const int W, const int padH, const int padW, const int Hx,
                 const int Wx, const int hx0, __global const float* X, __global float* Xp) {
  const int plane = get_global_id(0);  // b * C + c
  if (plane < batch * C) {
    __global const float* x = X + (size_t)plane * H * W;
    __global float* xp = Xp + (size_t)plane * Hx * Wx;
    const int lo = min(padW, Wx), hi = min(padW + W, Wx);
    for (int hx = hx0; hx < Hx; ++hx) {
      __global float* d = xp + (size_t)hx * Wx;
      const int ih = hx - padH;
      if (ih < 0 || ih >= H) {
        for (int wx = 0; wx < Wx; ++wx) d[wx] = 0.0f;
        continue;
      }
      __global const float* xr = x + (size_t)ih * W - padW;
      for (int wx = 0; wx < lo; ++wx) d[wx] = 0.0f;
      for (int wx = lo; wx < hi; ++wx) d[wx] = xr[wx];
      for (int wx = hi; wx < Wx; ++wx) d[wx] = 0.0f;
    }
  }
}

__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void conv_pq(const int batch, const int C, const int Hx, const int Wx, const int F, const int P, const int Q,
             const int rowOffset, const int pOffset, __global const float* Xp, __global const float* Wp,
             __global const float* b, __global float* Y COEXEC_SIGNAL_PARAM) {
  COEXEC_RESIDENT_BEGIN();
  const int fBlocks = (F - rowOffset + RF - 1) / RF;
  const int pBlocks = (P - pOffset + VN - 1) / VN, qBlocks = (Q + VW - 1) / VW;
  int t = GLOBAL_ID(0);
  const bool active = t < batch * pBlocks * qBlocks;
  if (!active) t = 0;
  const int q0 = (t % qBlocks) * VW;
  t /= qBlocks;
  const int p0 = pOffset + (t % pBlocks) * VN, bb = t / pBlocks;
  // Output row p0 + v, filter row r reads padded row (p0 + v) * strideH + r.
  __global const float* x0 = Xp + ((size_t)bb * C * Hx + (size_t)p0 * KSH) * Wx + q0;
  const int K = C * KR * KS;
  for (int fb = 0; fb < fBlocks; ++fb) {
    __global const float* w = CONV_PQ_FILTER_BLOCK(fb, K);
    const int tapStride = CONV_PQ_TAP_STRIDE(fBlocks);
    floatV acc[RF][VN];
    conv_pq_zero(acc);
    for (int c = 0; c < C; ++c) {
      __global const float* xc = x0 + (size_t)c * Hx * Wx;
      __global const float* wc = w + (size_t)c * KR * KS * tapStride;
      // One block per channel: per tap, the VN rows' vectors, then each weight broadcast once for VN FMAs.
#pragma unroll
      for (int r = 0; r < KR; ++r) {
#pragma unroll
        for (int s = 0; s < KS; ++s) {
          floatV xv[VN];
#pragma unroll
          for (int v = 0; v < VN; ++v) xv[v] = vloadV(0, xc + (v * KSH + r) * Wx + s);
          __global const float* wt = wc + (r * KS + s) * tapStride;
#pragma unroll
          for (int f = 0; f < RF; ++f) {
            const floatV wf = (floatV)(wt[f]);
#pragma unroll
            for (int v = 0; v < VN; ++v) acc[f][v] = fma(wf, xv[v], acc[f][v]);
          }
        }
      }
    }
    if (active) {
      const int f0 = rowOffset + fb * RF, valid = min(RF, F - f0), count = min(VW, Q - q0);
#pragma unroll
      for (int f = 0; f < RF; ++f) {
        if (f < valid) {
          const floatV bias = (floatV)(b[f0 + f]);
#pragma unroll
          for (int v = 0; v < VN; ++v) {
            if (p0 + v < P) {
              __global float* y = Y + (((size_t)bb * F + f0 + f) * P + p0 + v) * Q + q0;
              if (count == VW) {
                vstoreV(acc[f][v] + bias, 0, y);
              } else {
                float out[VW];
                vstoreV(acc[f][v] + bias, 0, out);
                for (int e = 0; e < count; ++e) y[e] = out[e];
              }
            }
          }
        }
      }
    }
  }
  COEXEC_SIGNAL_DONE();
}
#endif  // RF && KR
