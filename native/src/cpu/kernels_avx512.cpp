// The kernels compiled for AVX-512 (x86-64 only); chosen at run time when the CPU reports avx512f.
#include "cpu_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")

namespace coexec {
namespace cpu {
namespace avx512 {

struct V {
  using T = __m512;
  static constexpr int W = 16;
  static T Zero() { return _mm512_setzero_ps(); }
  static T Load(const float* p) { return _mm512_loadu_ps(p); }
  static T LoadPart(const float* p, int n) { return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p); }
  static void Store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static void StorePart(float* p, T v, int n) { _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), v); }
  static T Splat(float x) { return _mm512_set1_ps(x); }
  static T Fma(T a, T b, T acc) { return _mm512_fmadd_ps(a, b, acc); }
  static T Add(T a, T b) { return _mm512_add_ps(a, b); }
  // Own reduction with zero-masked shuffles: GCC 12's _mm512_reduce_add_ps and the unmasked extracts start
  // from _mm512_undefined_*, which trips -Werror=maybe-uninitialized inside its headers.
  static float Sum(T v) {
    const __m512 high = _mm512_maskz_shuffle_f32x4(0xFFFF, v, v, 0xEE);  // lanes 8-15 moved to 0-7
    const __m512d folded = _mm512_castps_pd(_mm512_add_ps(v, high));
    const __m256 h = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, folded, 0));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

// 32 registers: gemmNT 4x4 = 16 accumulators + 4 B rows + 1 A row; gemmNN 6 rows x 4 registers = 24
// accumulators + 4 B + 1 broadcast; direct 6 channels x 2 registers (rows of Q = 56/28/14 waste less in
// 32-float tiles), flat 6 x 4 (24 accumulators + 4 inputs + 1 broadcast).
constexpr const char* kIsaName = "avx512";
constexpr int kNtMR = 4, kNtNR = 4, kGemvNR = 4, kNtKC = 512;
constexpr int kNnMR = 6, kNnNV = 4, kNnKC = 128;
constexpr int kDirFB = 6, kDirNV = 2, kDirCB = 16, kWideNV = 4;

#include "kernels_impl.h"

}  // namespace avx512
}  // namespace cpu
}  // namespace coexec

#pragma GCC pop_options

const coexec::cpu::KernelTable* coexec::cpu::Avx512Kernels() { return &avx512::kTable; }
#else
const coexec::cpu::KernelTable* coexec::cpu::Avx512Kernels() { return nullptr; }
#endif
