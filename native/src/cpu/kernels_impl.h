// The CPU kernels, written once over a small vector type and compiled once per ISA. Include this only from a
// kernels_<isa>.cpp, inside that file's own namespace and while its `#pragma GCC target` (if any) is active,
// after it has defined kIsaName (the table's name) and:
//   struct V      - T (register type), W (floats per register), Zero, Load, LoadPart(p, n), Store,
//                   StorePart(p, v, n), Splat, Fma(a, b, acc) = a * b + acc, Add, Sum (horizontal add);
//                   LoadPart/StorePart touch only floats [0, n), 0 < n < W;
//   constexpr ints kNtMR, kNtNR (gemmNT register tile), kGemvNR (rows per GEMV step), kNnMR, kNnNV (gemmNN
//   tile: rows x registers), kDirFB, kDirNV (direct-conv tile: channels x registers), kWideNV (registers of
//   the wide variant of that tile, a multiple of kDirNV), kNtKC, kNnKC (K block),
//   kDirCB (input channels per direct-conv block).
// It deliberately includes no standard header and calls no library template: an inline library function
// instantiated here would carry this ISA, and the linker could pick that copy for the whole program.

constexpr int MinI(int a, int b) { return a < b ? a : b; }

// Loads floats [0, n) of p into a register, zero above; n may be <= 0 or >= W.
inline V::T LoadUpTo(const float* p, int n) {
  if (n >= V::W) return V::Load(p);
  if (n <= 0) return V::Zero();
  return V::LoadPart(p, n);
}

inline void StoreUpTo(float* p, V::T v, int n) {
  if (n >= V::W) V::Store(p, v);
  else if (n > 0) V::StorePart(p, v, n);
}

// ---------------------------------------------------------------------------------------------------------
// Dot-product GEMM (linear layers): MR rows of A against NR rows of B, each pair reduced over K in its own
// register, so both operands stream K-contiguously and no packing is needed.

template <int MR, int NR>
void MicroNT(int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc, const float* bias,
             bool accumulate) {
  V::T acc[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = V::Zero();
  int kk = 0;
  for (; kk + V::W <= k; kk += V::W) {
    V::T b[NR];
    for (int j = 0; j < NR; ++j) b[j] = V::Load(B + j * ldb + kk);
    for (int i = 0; i < MR; ++i) {
      V::T a = V::Load(A + i * lda + kk);
      for (int j = 0; j < NR; ++j) acc[i][j] = V::Fma(a, b[j], acc[i][j]);
    }
  }
  if (kk < k) {
    const int n = k - kk;
    V::T b[NR];
    for (int j = 0; j < NR; ++j) b[j] = V::LoadPart(B + j * ldb + kk, n);
    for (int i = 0; i < MR; ++i) {
      V::T a = V::LoadPart(A + i * lda + kk, n);
      for (int j = 0; j < NR; ++j) acc[i][j] = V::Fma(a, b[j], acc[i][j]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) {
      float* c = C + i * ldc + j;
      const float base = accumulate ? *c : (bias ? bias[j] : 0.0f);
      *c = base + V::Sum(acc[i][j]);
    }
}

// Finds the instantiation for a tail tile (mr <= MR, nr <= NR) by walking down the template arguments.
template <int MR, int NR>
void CallNT(int mr, int nr, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
            const float* bias, bool accumulate) {
  if (mr == MR && nr == NR) return MicroNT<MR, NR>(k, A, lda, B, ldb, C, ldc, bias, accumulate);
  if constexpr (NR > 1) {
    if (mr == MR) return CallNT<MR, NR - 1>(mr, nr, k, A, lda, B, ldb, C, ldc, bias, accumulate);
  }
  if constexpr (MR > 1) return CallNT<MR - 1, kNtNR>(mr, nr, k, A, lda, B, ldb, C, ldc, bias, accumulate);
}

// GEMV step (M = 1): NR rows of B, two registers per row so that 2 * NR independent FMA chains hide the
// FMA latency; the whole K in one pass since each row of B is used only once. GEMV streams B from L3 or
// memory, and NR concurrent row streams are more than the hardware prefetcher follows well: prefetching
// kGemvPrefetch floats (1 KiB) ahead in every row measured 10-20% faster for 4096x4096 on AVX-512.
constexpr int kGemvPrefetch = 256;

template <int NR>
void MicroGemv(int k, const float* x, const float* B, int ldb, float* y, const float* bias) {
  V::T acc0[NR], acc1[NR];
  for (int j = 0; j < NR; ++j) acc0[j] = acc1[j] = V::Zero();
  int kk = 0;
  for (; kk + 2 * V::W <= k; kk += 2 * V::W) {
    const V::T x0 = V::Load(x + kk), x1 = V::Load(x + kk + V::W);
    for (int j = 0; j < NR; ++j) {
      if constexpr (V::W >= 8)  // one 64-byte line per 16 floats of this step (narrower ISAs: no prefetch)
        for (int line = 0; line < 2 * V::W; line += 16) __builtin_prefetch(B + j * ldb + kk + kGemvPrefetch + line);
      acc0[j] = V::Fma(x0, V::Load(B + j * ldb + kk), acc0[j]);
      acc1[j] = V::Fma(x1, V::Load(B + j * ldb + kk + V::W), acc1[j]);
    }
  }
  for (; kk < k; kk += V::W) {
    const int n = k - kk;
    const V::T xv = LoadUpTo(x + kk, n);
    for (int j = 0; j < NR; ++j) acc0[j] = V::Fma(xv, LoadUpTo(B + j * ldb + kk, n), acc0[j]);
  }
  for (int j = 0; j < NR; ++j) y[j] = (bias ? bias[j] : 0.0f) + V::Sum(V::Add(acc0[j], acc1[j]));
}

template <int NR>
void CallGemv(int nr, int k, const float* x, const float* B, int ldb, float* y, const float* bias) {
  if (nr == NR) return MicroGemv<NR>(k, x, B, ldb, y, bias);
  if constexpr (NR > 1) return CallGemv<NR - 1>(nr, k, x, B, ldb, y, bias);
}

// A few rows of X (2 <= M <= half a gemmNN panel) over W^T packed in panels of NV registers ([K][NV * W], one
// linear stream per panel; resident weights, packed once per job): MR rows of X x NV registers of one panel,
// each loaded register feeding MR FMAs with broadcast X values, the whole K in one pass. One AVX-512 thread of the
// VM, M 8 N 3072 K 768: 4 rows x 4 registers and 8 x 2 both 1.6x the dot form (MicroNT) and 1.3x gemmNN's 6 + 2
// row tiles; N 384 (from L2) 1.33x.
template <int MR, int NV>
void MicroRowsPanel(int k, const float* X, int ldx, const float* panel, float* Y, int ldy, const float* bias, int cols) {
  constexpr int kCols = NV * V::W;
  V::T acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = V::Zero();
  for (int kk = 0; kk < k; ++kk) {
    V::T b[NV];
    for (int v = 0; v < NV; ++v) b[v] = V::Load(panel + kk * kCols + v * V::W);
    for (int i = 0; i < MR; ++i) {
      const V::T a = V::Splat(X[i * ldx + kk]);
      for (int v = 0; v < NV; ++v) acc[i][v] = V::Fma(a, b[v], acc[i][v]);
    }
  }
  for (int v = 0; v < NV; ++v) {
    const int n = cols - v * V::W;
    if (n <= 0) break;
    const V::T base = LoadUpTo(bias ? bias + v * V::W : nullptr, bias ? n : 0);
    for (int i = 0; i < MR; ++i) StoreUpTo(Y + i * ldy + v * V::W, V::Add(base, acc[i][v]), n);
  }
}

// The instantiation for a tile of mr <= MR rows.
template <int MR, int NV>
void CallRowsPanel(int mr, int k, const float* X, int ldx, const float* panel, float* Y, int ldy, const float* bias,
                   int cols) {
  if (mr == MR) return MicroRowsPanel<MR, NV>(k, X, ldx, panel, Y, ldy, bias, cols);
  if constexpr (MR > 1) return CallRowsPanel<MR - 1, NV>(mr, k, X, ldx, panel, Y, ldy, bias, cols);
}

// Rows per tile with NV registers: the accumulators of a gemmNN tile (kNnMR x kNnNV), at most 8 rows.
template <int NV>
constexpr int kRowsPanelMR = MinI(8, kNnMR * kNnNV / NV);

// Every panel's rows in tiles of near-equal size (8 rows with 4 registers on AVX-512: 4 + 4, not 6 + 2).
template <int NV>
void RowsPanel(int m, int k, const float* X, int ldx, const float* panel, float* Y, int ldy, const float* bias, int cols) {
  constexpr int MR = kRowsPanelMR<NV>;
  const int tiles = (m + MR - 1) / MR;
  for (int t = 0; t < tiles; ++t) {
    const int i0 = t * m / tiles, i1 = (t + 1) * m / tiles;
    CallRowsPanel<MR, NV>(i1 - i0, k, X + i0 * ldx, ldx, panel, Y + i0 * ldy, ldy, bias, cols);
  }
}

// Columns [0, n) of rows [0, m) of Y = X W^T + bias from W^T packed in panels of `panelCols` columns (1, 2 or 4
// registers; the last panel zero-padded past n in the packing); bias may be null.
void GemmPanels(int m, int n, int k, const float* X, int ldx, const float* panels, int panelCols, float* Y, int ldy,
                const float* bias) {
  for (int j0 = 0; j0 < n; j0 += panelCols) {
    const float* panel = panels + static_cast<long>(j0 / panelCols) * k * panelCols;
    const float* b = bias ? bias + j0 : nullptr;
    const int cols = MinI(panelCols, n - j0);
    if (panelCols == 4 * V::W) {
      RowsPanel<4>(m, k, X, ldx, panel, Y + j0, ldy, b, cols);
    } else if (panelCols == 2 * V::W) {
      RowsPanel<2>(m, k, X, ldx, panel, Y + j0, ldy, b, cols);
    } else {
      RowsPanel<1>(m, k, X, ldx, panel, Y + j0, ldy, b, cols);
    }
  }
}

void GemmNT(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
            const float* bias) {
  if (m <= 0 || n <= 0) return;
  if (m == 1) {
    for (int j0 = 0; j0 < n; j0 += kGemvNR)
      CallGemv<kGemvNR>(MinI(kGemvNR, n - j0), k, A, B + j0 * ldb, ldb, C + j0, bias ? bias + j0 : nullptr);
    return;
  }
  // K blocks keep NR rows of B (kNtKC floats each) in L1 while all M rows of A stream past them from L2.
  for (int k0 = 0; k0 < k || k0 == 0; k0 += kNtKC) {
    const int kc = MinI(kNtKC, k - k0);
    for (int j0 = 0; j0 < n; j0 += kNtNR) {
      const int nr = MinI(kNtNR, n - j0);
      for (int i0 = 0; i0 < m; i0 += kNtMR)
        CallNT<kNtMR, kNtNR>(MinI(kNtMR, m - i0), nr, kc, A + i0 * lda + k0, lda, B + j0 * ldb + k0, ldb,
                             C + i0 * ldc + j0, ldc, bias ? bias + j0 : nullptr, k0 > 0);
    }
    if (k <= 0) break;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Broadcast GEMM (conv im2col, packed linear): MR rows of A, NV registers of output columns; each k
// broadcasts one A value per row against NV consecutive B values. B always has whole registers (GemmNN
// pads a partial panel); TAIL masks the stores past `cols`. NV is kNnNV except on a narrow last panel,
// which runs only the registers it has columns for: a 7- or 8-position panel (one output row of a 7x7 or 8x8
// layer, a thin height slice) on AVX-512 would otherwise compute all 64 columns of the full tile, 8-9x its
// work (conv run 1353Z on the H200 host: such a 10% height slice took as long as the whole layer).

template <int MR, int NV, bool TAIL>
void MicroNN(int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc, const float* bias,
             bool accumulate, int cols, bool colBias) {
  V::T acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = V::Zero();
  for (int kk = 0; kk < k; ++kk) {
    const float* brow = B + kk * ldb;
    V::T b[NV];
    for (int v = 0; v < NV; ++v) b[v] = V::Load(brow + v * V::W);
    for (int i = 0; i < MR; ++i) {
      const V::T a = V::Splat(A[i * lda + kk]);
      for (int v = 0; v < NV; ++v) acc[i][v] = V::Fma(a, b[v], acc[i][v]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) {
      float* c = C + i * ldc + v * V::W;
      const int n = TAIL ? cols - v * V::W : V::W;
      if (n <= 0) break;
      const V::T base = accumulate ? LoadUpTo(c, n)
                        : colBias  ? LoadUpTo(bias ? bias + v * V::W : nullptr, bias ? n : 0)
                                   : V::Splat(bias ? bias[i] : 0.0f);
      StoreUpTo(c, V::Add(base, acc[i][v]), n);
    }
}

// The full tile (nv == kNnNV, no tail) or the narrow last panel (tail: nv registers, the last partly used).
// The narrow panel keeps kNnMR rows: 2 * kNnMR rows with one register (AVX2, 7-column panels) measured
// 6% slower, not faster, though each k then issues fewer loads per FMA.
template <int MR, int NV>
void CallNNV(int nv, bool tail, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             const float* bias, bool accumulate, int cols, bool colBias) {
  if (nv == NV) {
    if (tail) return MicroNN<MR, NV, true>(k, A, lda, B, ldb, C, ldc, bias, accumulate, cols, colBias);
    return MicroNN<MR, NV, false>(k, A, lda, B, ldb, C, ldc, bias, accumulate, cols, colBias);
  }
  if constexpr (NV > 1) return CallNNV<MR, NV - 1>(nv, tail, k, A, lda, B, ldb, C, ldc, bias, accumulate, cols, colBias);
}

template <int MR>
void CallNN(int mr, int nv, bool tail, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
            const float* bias, bool accumulate, int cols, bool colBias) {
  if (mr == MR) return CallNNV<MR, kNnNV>(nv, tail, k, A, lda, B, ldb, C, ldc, bias, accumulate, cols, colBias);
  if constexpr (MR > 1)
    return CallNN<MR - 1>(mr, nv, tail, k, A, lda, B, ldb, C, ldc, bias, accumulate, cols, colBias);
}

// colBias: bias is indexed by output column (packed linear, C = X W^T) instead of by row (conv, C = W col).
void GemmNNBias(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                const float* bias, bool colBias) {
  if (m <= 0 || n <= 0) return;
  constexpr int kCols = kNnNV * V::W;
  // A partial column panel is copied, zero-padded to whole registers, once per K block: the micro-kernel's
  // loads then need no masks or branches (masked loads inside the k loop ran at half speed), and B may end
  // at its last real column (a 1x1 layer's input read in place). Only the registers the panel uses are
  // copied (and computed).
  float padded[kNnKC * kCols];
  // Column panel outside, rows inside: the kNnKC x kCols block of B stays in L1 for every row tile.
  for (int k0 = 0; k0 < k || k0 == 0; k0 += kNnKC) {
    const int kc = MinI(kNnKC, k - k0);
    for (int j0 = 0; j0 < n; j0 += kCols) {
      const int cols = MinI(kCols, n - j0), nv = (cols + V::W - 1) / V::W;
      const float* panel = B + k0 * ldb + j0;
      int ldp = ldb;
      if (cols < kCols) {
        const int width = nv * V::W;
        for (int kk = 0; kk < kc; ++kk)
          for (int v = 0; v < nv; ++v)
            V::Store(padded + kk * width + v * V::W, LoadUpTo(panel + kk * ldb + v * V::W, cols - v * V::W));
        panel = padded;
        ldp = width;
      }
      for (int i0 = 0; i0 < m; i0 += kNnMR)
        CallNN<kNnMR>(MinI(kNnMR, m - i0), nv, cols < kCols, kc, A + i0 * lda + k0, lda, panel, ldp,
                      C + i0 * ldc + j0, ldc, bias ? bias + (colBias ? j0 : i0) : nullptr, k0 > 0, cols, colBias);
    }
    if (k <= 0) break;
  }
}

void GemmNN(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
            const float* bias) {
  GemmNNBias(m, n, k, A, lda, B, ldb, C, ldc, bias, false);
}

void GemmNNColBias(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                   const float* bias) {
  GemmNNBias(m, n, k, A, lda, B, ldb, C, ldc, bias, true);
}

// ---------------------------------------------------------------------------------------------------------
// Direct convolution, vectorized over output columns: FB output channels x NV registers of one output row.
// Reads may run past Q (the padded buffer has room); stores stop at Q.

template <int FB, int NV, bool TAIL>
void MicroDirect(const DirectConvArgs& a, int f, int p, int q0) {
  V::T acc[FB][NV];
  for (int i = 0; i < FB; ++i) {
    const V::T b = V::Splat(a.bias ? a.bias[f + i] : 0.0f);
    for (int v = 0; v < NV; ++v) acc[i][v] = b;
  }
  const int crs = a.C * a.R * a.S, rs = a.R * a.S;
  const int phaseRow = a.sw * a.Wq, plane = a.Hp * phaseRow;
  // Channel blocks outside, taps, then the channels of the block innermost: a long loop with two fixed
  // strides instead of 1-7 iterations of tap-loop overhead per handful of FMAs, while the block's input rows
  // and weights (kDirCB channels) stay in L1 across all R*S taps.
  for (int c0 = 0; c0 < a.C; c0 += kDirCB) {
    const int cb = MinI(kDirCB, a.C - c0);
    for (int r = 0; r < a.R; ++r) {
      const float* xrow = a.xp + c0 * plane + (p * a.sh + r) * phaseRow + q0;
      for (int ph = 0; ph < a.sw && ph < a.S; ++ph) {
        for (int s = ph, t = 0; s < a.S; s += a.sw, ++t) {
          const float* x = xrow + ph * a.Wq + t;
          const float* w = a.w + f * crs + c0 * rs + r * a.S + s;
          for (int c = 0; c < cb; ++c, x += plane, w += rs) {
            V::T xv[NV];
            for (int v = 0; v < NV; ++v) xv[v] = V::Load(x + v * V::W);
            for (int i = 0; i < FB; ++i) {
              const V::T wv = V::Splat(w[i * crs]);
              for (int v = 0; v < NV; ++v) acc[i][v] = V::Fma(wv, xv[v], acc[i][v]);
            }
          }
        }
      }
    }
  }
  for (int i = 0; i < FB; ++i) {
    float* out = a.y + ((f + i) * a.P + p) * a.Q + q0;
    for (int v = 0; v < NV; ++v) {
      if (TAIL) StoreUpTo(out + v * V::W, acc[i][v], a.Q - q0 - v * V::W);
      else V::Store(out + v * V::W, acc[i][v]);
    }
  }
}

template <int FB, int NV>
void CallDirect(int fb, bool tail, const DirectConvArgs& a, int f, int p, int q0) {
  if (fb == FB) return tail ? MicroDirect<FB, NV, true>(a, f, p, q0) : MicroDirect<FB, NV, false>(a, f, p, q0);
  if constexpr (FB > 1) return CallDirect<FB - 1, NV>(fb, tail, a, f, p, q0);
}

// The last register tile of a row with only the registers it has columns for (nv <= NV): a 7-column row
// (7x7 layers; simd-flat's one-row height slice of one) on AVX-512 would otherwise run the wide tile's
// 64 columns, 9x its work.
template <int NV>
void CallDirectTail(int nv, int fb, const DirectConvArgs& a, int f, int p, int q0) {
  if (nv == NV) return CallDirect<kDirFB, NV>(fb, true, a, f, p, q0);
  if constexpr (NV > 1) return CallDirectTail<NV - 1>(nv, fb, a, f, p, q0);
}

template <int NV>
void DirectConvNV(const DirectConvArgs& a, int f0, int f1, int p0, int p1) {
  constexpr int kCols = NV * V::W;
  const int full = a.Q / kCols * kCols, nv = (a.Q - full + V::W - 1) / V::W;
  for (int f = f0; f < f1; f += kDirFB) {
    const int fb = MinI(kDirFB, f1 - f);
    for (int p = p0; p < p1; ++p) {
      for (int q0 = 0; q0 < full; q0 += kCols) CallDirect<kDirFB, NV>(fb, false, a, f, p, q0);
      if (nv > 0) CallDirectTail<NV>(nv, fb, a, f, p, full);
    }
  }
}

void DirectConv(const DirectConvArgs& a, int f0, int f1, int p0, int p1) { DirectConvNV<kDirNV>(a, f0, f1, p0, p1); }
void DirectConvWide(const DirectConvArgs& a, int f0, int f1, int p0, int p1) {
  DirectConvNV<kWideNV>(a, f0, f1, p0, p1);
}

const KernelTable kTable = {kIsaName, &GemmNT, &GemmNN, &GemmNNColBias, &GemmPanels, &DirectConv, &DirectConvWide, kNtNR, kNnNV * V::W,
                            kNnMR, kDirFB, kDirNV * V::W, kWideNV * V::W, V::W};
