// The portable kernels: the same templates over a one-float "register", for CPUs with none of the SIMD
// paths and as a cross-check of the tiling logic on every machine.
#include "cpu_kernels.h"

namespace coexec {
namespace cpu {
namespace scalar {

struct V {
  using T = float;
  static constexpr int W = 1;
  static T Zero() { return 0.0f; }
  static T Load(const float* p) { return *p; }
  // Never called with W = 1 (0 < n < W is empty); present so the templates compile.
  static T LoadPart(const float*, int) { return 0.0f; }
  static void Store(float* p, T v) { *p = v; }
  static void StorePart(float*, T, int) {}
  static T Splat(float x) { return x; }
  static T Fma(T a, T b, T acc) { return a * b + acc; }
  static T Add(T a, T b) { return a + b; }
  static float Sum(T v) { return v; }
};

constexpr const char* kIsaName = "scalar";
constexpr int kNtMR = 2, kNtNR = 4, kGemvNR = 4, kNtKC = 512;
constexpr int kNnMR = 4, kNnNV = 8, kNnKC = 256;
constexpr int kDirFB = 2, kDirNV = 8, kDirCB = 16, kWideNV = 8;

#include "kernels_impl.h"

}  // namespace scalar
}  // namespace cpu
}  // namespace coexec

const coexec::cpu::KernelTable* coexec::cpu::ScalarKernels() { return &scalar::kTable; }
