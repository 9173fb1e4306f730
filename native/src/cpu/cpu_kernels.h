// Private to native/src/cpu: the per-ISA kernel table. Each kernels_<isa>.cpp compiles the same templates
// (kernels_impl.h) for one instruction set and exposes them through a KernelTable; the layer code picks a
// table once by name and then only calls through it, so the layer code itself stays ISA-free.
#pragma once

namespace coexec {
namespace cpu {

// One image of a direct convolution over a zero-padded, column-phase-split copy of the input: element
// (c, h, w) of the padded input lives at xp[((c * Hp + h) * sw + w % sw) * Wq + w / sw], so that output
// columns q, q+1, ... read consecutive floats for every tap even when strideW > 1.
struct DirectConvArgs {
  const float* xp = nullptr;
  int C = 0, Hp = 0, Wq = 0;     // channels, padded height, floats per phase row (includes over-read room)
  int R = 0, S = 0, sh = 1, sw = 1, P = 0, Q = 0;
  const float* w = nullptr;      // [F][C][R][S]
  const float* bias = nullptr;   // [F], may be null
  float* y = nullptr;            // this image's output [F][P][Q]
};

struct KernelTable {
  const char* isa;  // "avx512", "avx2", "neon", "scalar"
  // C[i][j] = (accumulate ? C[i][j] : bias[j]) + sum_k A[i][k] * B[j][k], i < m, j < n. Dot-product form:
  // both operands are K-contiguous (linear: A = X, B = W). bias may be null (treated as 0).
  void (*gemmNT)(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                 const float* bias);
  // C[i][j] = bias[i] + sum_k A[i][k] * B[k][j]: broadcast form, vectorized along j (conv im2col: A = W
  // rows, B = the [CRS][PQ] column matrix, C = the output rows).
  void (*gemmNN)(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                 const float* bias);
  // The same with bias[j] per output column (packed linear: A = X rows, B = W^T in column panels).
  void (*gemmNNColBias)(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C,
                        int ldc, const float* bias);
  // Y[i][j] = bias[j] + sum_k X[i][k] * W[j][k] for i < m, j < n (linear with few rows of X) from
  // W^T packed in panels of panelCols columns ([panel][K][panelCols], zero past n; panelCols = 1, 2 or 4
  // registers), bias may be null.
  void (*gemmPanels)(int m, int n, int k, const float* X, int ldx, const float* panels, int panelCols, float* Y,
                     int ldy, const float* bias);
  // Output channels [f0, f1) and output rows [p0, p1) of one image.
  void (*directConv)(const DirectConvArgs& a, int f0, int f1, int p0, int p1);
  // The same with wider tiles (wideCols): for a flattened plane (one long row; SimdDirectFlat), and for rows
  // whose Q the wide tile covers with no more padding (Q = 112 or 56 on AVX-512).
  void (*directConvWide)(const DirectConvArgs& a, int f0, int f1, int p0, int p1);
  int ntRows;      // B rows (output columns of gemmNT) per register tile: split boundaries align to it
  int nnCols;      // output columns per gemmNN register tile
  int nnRows;      // A rows per gemmNN register tile
  int directRows;  // output channels per direct-conv register tile
  int directCols;  // output columns per direct-conv register tile (the buffer over-read bound)
  int wideCols;    // output columns per directConvWide register tile (a multiple of directCols)
  int width;       // floats per vector register
};

// Null when the table is not compiled for this architecture. The caller checks CPU support separately.
const KernelTable* Avx512Kernels();
const KernelTable* Avx2Kernels();
const KernelTable* NeonKernels();
const KernelTable* ScalarKernels();

}  // namespace cpu
}  // namespace coexec
