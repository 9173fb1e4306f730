// Conv2d, NCHW input X[batch,C,H,W], weights Wt[F,C,R,S], bias b[F], output Y[batch,F,P,Q], groups = 1.
// GPU side of the split: every layer kernel computes only output channels f in [rowOffset, F).
// Needs common.cl prepended.

#ifndef WGS
#define WGS 64  // conv_direct and im2col: 1-D work-group size
#endif
#ifndef TS
#define TS 16   // conv_im2col_gemm / conv_1x1_gemm: tile edge; work-group TS x TS
#endif

// conv_direct: one work-item per output element (b, f, p, q), f >= rowOffset; taps outside the padded
// input are skipped. Preconditions: local size (WGS); global size batch * (F - rowOffset) * P * Q
// rounded up to WGS (the extra work-items idle).
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void conv_direct(const int batch, const int C, const int H, const int W, const int F, const int R,
                 const int S, const int strideH, const int strideW, const int padH, const int padW,
                 const int P, const int Q, const int rowOffset,
                 __global const float* X, __global const float* Wt, __global const float* b,
                 __global float* Y COEXEC_SIGNAL_PARAM) {
  const int rows = F - rowOffset;
  const long gid = get_global_id(0);
  if (gid < (long)batch * rows * P * Q) {
    const int q = gid % Q;
    long t = gid / Q;
    const int p = t % P;
    t /= P;
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
// Preconditions: local size (WGS); global size batch * C * R * S * P * Q rounded up to WGS.
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void im2col(const int batch, const int C, const int H, const int W, const int R, const int S,
            const int strideH, const int strideW, const int padH, const int padW, const int P, const int Q,
            __global const float* X, __global float* col) {
  const int K = C * R * S, PQ = P * Q;
  const long gid = get_global_id(0);
  if (gid >= (long)batch * K * PQ) return;  // no barrier in this kernel, so an early return is safe
  const int pq = gid % PQ;
  const long t = gid / PQ;
  const int k = t % K, bb = (int)(t / K);
  const int s = k % S, r = (k / S) % R, c = k / (R * S);
  const int ih = (pq / Q) * strideH - padH + r, iw = (pq % Q) * strideW - padW + s;
  col[gid] = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? X[(((size_t)bb * C + c) * H + ih) * W + iw] : 0.0f;
}

// Y[b][f][pq] = sum_k Wt[f][k] * B[b][k][pq] + b[f] for f >= rowOffset, one TS x TS tile of (pq, f) per
// work-group (dimension 0 along pq so that B and Y accesses are contiguous, 1 along f, 2 the batch).
inline void conv_gemm_tile(const int F, const int K, const int PQ, const int rowOffset,
                           __global const float* B, __global const float* Wt, __global const float* b,
                           __global float* Y, __local float (*As)[TS + 1], __local float (*Bs)[TS + 1]) {
  const int tx = get_local_id(0), ty = get_local_id(1), bb = get_global_id(2);
  const int pqBase = (int)get_group_id(0) * TS, fBase = rowOffset + (int)get_group_id(1) * TS;
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
// (ceil(P*Q / TS) * TS, ceil((F - rowOffset) / TS) * TS, batch).
__kernel __attribute__((reqd_work_group_size(TS, TS, 1)))
void conv_im2col_gemm(const int F, const int K, const int PQ, const int rowOffset,
                      __global const float* col, __global const float* Wt, __global const float* b,
                      __global float* Y COEXEC_SIGNAL_PARAM) {
  __local float As[TS][TS + 1];
  __local float Bs[TS][TS + 1];
  conv_gemm_tile(F, K, PQ, rowOffset, col, Wt, b, Y, As, Bs);
  COEXEC_SIGNAL_DONE();
}

// conv_1x1_gemm: a 1x1, stride-1, unpadded conv is a GEMM over X itself ([batch][C][H*W]), no im2col.
// Preconditions: R = S = 1, strides 1, pads 0 (the host refuses anything else); K = C, PQ = H * W;
// sizes as conv_im2col_gemm.
__kernel __attribute__((reqd_work_group_size(TS, TS, 1)))
void conv_1x1_gemm(const int F, const int K, const int PQ, const int rowOffset,
                   __global const float* X, __global const float* Wt, __global const float* b,
                   __global float* Y COEXEC_SIGNAL_PARAM) {
  __local float As[TS][TS + 1];
  __local float Bs[TS][TS + 1];
  conv_gemm_tile(F, K, PQ, rowOffset, X, Wt, b, Y, As, Bs);
  COEXEC_SIGNAL_DONE();
}
