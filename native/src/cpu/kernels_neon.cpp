// The kernels compiled for NEON (aarch64 only, where NEON is always present).
#include "cpu_kernels.h"

#if defined(__aarch64__)
#include <arm_neon.h>

namespace coexec {
namespace cpu {
namespace neon {

struct V {
  using T = float32x4_t;
  static constexpr int W = 4;
  static T Zero() { return vdupq_n_f32(0.0f); }
  static T Load(const float* p) { return vld1q_f32(p); }
  static T LoadPart(const float* p, int n) {
    float tmp[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int i = 0; i < n; ++i) tmp[i] = p[i];
    return vld1q_f32(tmp);
  }
  static void Store(float* p, T v) { vst1q_f32(p, v); }
  static void StorePart(float* p, T v, int n) {
    float tmp[4];
    vst1q_f32(tmp, v);
    for (int i = 0; i < n; ++i) p[i] = tmp[i];
  }
  static T Splat(float x) { return vdupq_n_f32(x); }
  static T Fma(T a, T b, T acc) { return vfmaq_f32(acc, a, b); }
  static T Add(T a, T b) { return vaddq_f32(a, b); }
  static float Sum(T v) { return vaddvq_f32(v); }
};

// 32 registers: gemmNT 4x4 = 16 accumulators + 4 B rows + 1 A row; gemmNN 6 rows x 4 registers = 24
// accumulators + 4 B + 1 broadcast; direct 4 channels x 4 registers, flat 4 x 6 (24 accumulators + 6
// inputs + 1 broadcast; not yet timed on a phone).
constexpr const char* kIsaName = "neon";
constexpr int kNtMR = 4, kNtNR = 4, kGemvNR = 4, kNtKC = 512;
constexpr int kNnMR = 6, kNnNV = 4, kNnKC = 256;
constexpr int kDirFB = 4, kDirNV = 4, kDirCB = 16, kWideNV = 6;

#include "kernels_impl.h"

}  // namespace neon
}  // namespace cpu
}  // namespace coexec

const coexec::cpu::KernelTable* coexec::cpu::NeonKernels() { return &neon::kTable; }
#else
const coexec::cpu::KernelTable* coexec::cpu::NeonKernels() { return nullptr; }
#endif
