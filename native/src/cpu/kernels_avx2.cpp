// The kernels compiled for AVX2 + FMA (x86-64 only); chosen at run time when the CPU has both but no AVX-512.
#include "cpu_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace coexec {
namespace cpu {
namespace avx2 {

// Lane masks for partial loads/stores: the 8 ints starting at kMaskBits + 8 - n enable lanes [0, n).
alignas(32) constexpr int kMaskBits[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

struct V {
  using T = __m256;
  static constexpr int W = 8;
  static __m256i Mask(int n) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskBits + 8 - n)); }
  static T Zero() { return _mm256_setzero_ps(); }
  static T Load(const float* p) { return _mm256_loadu_ps(p); }
  static T LoadPart(const float* p, int n) { return _mm256_maskload_ps(p, Mask(n)); }
  static void Store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static void StorePart(float* p, T v, int n) { _mm256_maskstore_ps(p, Mask(n), v); }
  static T Splat(float x) { return _mm256_set1_ps(x); }
  static T Fma(T a, T b, T acc) { return _mm256_fmadd_ps(a, b, acc); }
  static T Add(T a, T b) { return _mm256_add_ps(a, b); }
  static float Sum(T v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

// 16 registers: gemmNT 3x3 = 9 accumulators + 3 B rows + 1 A row; gemmNN 6 rows x 2 registers = 12
// accumulators + 2 B + 1 broadcast; direct and flat 6 channels x 2 registers (likewise 15 registers).
constexpr const char* kIsaName = "avx2";
constexpr int kNtMR = 3, kNtNR = 3, kGemvNR = 4, kNtKC = 512;
constexpr int kNnMR = 6, kNnNV = 2, kNnKC = 256;
constexpr int kDirFB = 6, kDirNV = 2, kDirCB = 16, kWideNV = 2;

#include "kernels_impl.h"

}  // namespace avx2
}  // namespace cpu
}  // namespace coexec

#pragma GCC pop_options

const coexec::cpu::KernelTable* coexec::cpu::Avx2Kernels() { return &avx2::kTable; }
#else
const coexec::cpu::KernelTable* coexec::cpu::Avx2Kernels() { return nullptr; }
#endif
