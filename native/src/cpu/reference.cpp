// Double-precision references for the correctness check: plain loops over the definitions in cpu_layers.h,
// written for obviousness, not speed (they run once per layer).
#include "cpu/cpu_layers.h"

namespace coexec {

void LinearReference(const LinearShape& s, const float* X, const float* W, const float* b, double* Y) {
  for (int m = 0; m < s.M; ++m)
    for (int n = 0; n < s.N; ++n) {
      double sum = b ? b[n] : 0.0;
      for (int k = 0; k < s.K; ++k)
        sum += static_cast<double>(X[static_cast<size_t>(m) * s.K + k]) * W[static_cast<size_t>(n) * s.K + k];
      Y[static_cast<size_t>(m) * s.N + n] = sum;
    }
}

void Conv2dReference(const ConvShape& s, const float* X, const float* W, const float* b, double* Y) {
  const int P = s.P(), Q = s.Q();
  for (int img = 0; img < s.batch; ++img)
    for (int f = 0; f < s.F; ++f)
      for (int p = 0; p < P; ++p)
        for (int q = 0; q < Q; ++q) {
          double sum = b ? b[f] : 0.0;
          for (int c = 0; c < s.C; ++c)
            for (int r = 0; r < s.R; ++r)
              for (int t = 0; t < s.S; ++t) {
                const int h = p * s.strideH - s.padH + r;
                const int w = q * s.strideW - s.padW + t;
                if (h < 0 || h >= s.H || w < 0 || w >= s.W) continue;  // zero padding
                const size_t xi = ((static_cast<size_t>(img) * s.C + c) * s.H + h) * s.W + w;
                const size_t wi = ((static_cast<size_t>(f) * s.C + c) * s.R + r) * s.S + t;
                sum += static_cast<double>(X[xi]) * W[wi];
              }
          Y[((static_cast<size_t>(img) * s.F + f) * P + p) * Q + q] = sum;
        }
}

}  // namespace coexec
