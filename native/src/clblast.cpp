// dlopen of libclblast and the entry points the clblast variants use: Sgemv (linear, M = 1), Sgemm (linear) and
// Sconvgemm (conv2d). The enum values are those of CLBlast's C API (clblast_c.h): row-major 101, no transpose
// 111, transpose 112, kernel mode cross-correlation 151 (what a DNN framework calls convolution).
#include "clblast.h"

#include <dlfcn.h>

#include <mutex>

namespace coexec {

namespace {

using SgemmFn = int (*)(int layout, int transA, int transB, size_t m, size_t n, size_t k, float alpha, cl_mem a,
                        size_t aOffset, size_t lda, cl_mem b, size_t bOffset, size_t ldb, float beta, cl_mem c,
                        size_t cOffset, size_t ldc, cl_command_queue* queue, cl_event* event);
using SgemvFn = int (*)(int layout, int transA, size_t m, size_t n, float alpha, cl_mem a, size_t aOffset, size_t lda,
                        cl_mem x, size_t xOffset, size_t xInc, float beta, cl_mem y, size_t yOffset, size_t yInc,
                        cl_command_queue* queue, cl_event* event);
using SconvgemmFn = int (*)(int kernelMode, size_t channels, size_t height, size_t width, size_t kernelH, size_t kernelW,
                            size_t padH, size_t padW, size_t strideH, size_t strideW, size_t dilationH, size_t dilationW,
                            size_t numKernels, size_t batchCount, cl_mem im, size_t imOffset, cl_mem kernel,
                            size_t kernelOffset, cl_mem result, size_t resultOffset, cl_command_queue* queue,
                            cl_event* event);
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112, kCrossCorrelation = 151;

SgemmFn gSgemm = nullptr;
SgemvFn gSgemv = nullptr;
SconvgemmFn gSconvgemm = nullptr;  // older CLBlast versions lack it: conv2d's variant is then skipped
std::string gWhy, gPath;
std::once_flag gOnce;

void Load() {
  std::string tried;
  for (const char* name : {"libclblast.so.1", "libclblast.so"}) {
    void* lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      tried += (tried.empty() ? "" : "; ") + std::string(dlerror());
      continue;
    }
    gSgemm = reinterpret_cast<SgemmFn>(dlsym(lib, "CLBlastSgemm"));
    gSgemv = reinterpret_cast<SgemvFn>(dlsym(lib, "CLBlastSgemv"));
    gSconvgemm = reinterpret_cast<SconvgemmFn>(dlsym(lib, "CLBlastSconvgemm"));
    if (gSgemm && gSgemv) {
      gPath = name;
      return;
    }
    tried += std::string(tried.empty() ? "" : "; ") + name + ": no CLBlastSgemm/CLBlastSgemv";
  }
  gWhy = "CLBlast not found (" + tried + ")";
}

}  // namespace

std::string ClblastUnavailableReason(bool conv) {
  std::call_once(gOnce, Load);
  if (!gSgemm) return gWhy;
  return conv && !gSconvgemm ? gPath + " has no CLBlastSconvgemm (CLBlast >= 1.5 has it)" : "";
}

std::string ClblastLibraryPath() {
  std::call_once(gOnce, Load);
  return gPath;
}

void ClblastLinearRows(const LinearShape& s, int rowOffset, int mOffset, cl_mem X, cl_mem W, cl_mem Y,
                       cl_command_queue q, cl_event* event) {
  std::call_once(gOnce, Load);
  if (!gSgemm) throw std::runtime_error(gWhy);
  const size_t rows = static_cast<size_t>(s.N - rowOffset), m = static_cast<size_t>(s.M - mOffset);
  const size_t xOffset = size_t(mOffset) * s.K, yOffset = size_t(mOffset) * s.N + rowOffset;
  // One row of X is a matrix-vector product: Y[rowOffset:N] = W[rowOffset:N, K] * X + Y, the routine a
  // framework would call (CLBlast's GEMM pads M to its tile and is far slower there).
  // More: C = X[mOffset:M, K] * (W[rowOffset:N, K])^T + C, C being Y[mOffset:M, rowOffset:N] with leading
  // dimension N.
  int status = m == 1 ? gSgemv(kRowMajor, kNoTrans, rows, s.K, 1.0f, W, size_t(rowOffset) * s.K, s.K, X, xOffset, 1, 1.0f,
                               Y, yOffset, 1, &q, event)
                      : gSgemm(kRowMajor, kNoTrans, kTrans, m, rows, s.K, 1.0f, X, xOffset, s.K, W, size_t(rowOffset) * s.K,
                               s.K, 1.0f, Y, yOffset, s.N, &q, event);
  if (status != 0) {
    throw std::runtime_error(std::string(m == 1 ? "CLBlastSgemv" : "CLBlastSgemm") + " failed with status " + std::to_string(status) +
                             (status < 0 && status > -100 ? std::string(" (") + ClErrorName(status) + ")" : ""));
  }
}

void ClblastConvRows(const ConvShape& c, int rowOffset, cl_mem X, cl_mem W, cl_mem Y, cl_command_queue q,
                     cl_event* event) {
  std::call_once(gOnce, Load);
  if (!gSconvgemm) throw std::runtime_error("CLBlastSconvgemm unavailable");
  // Sconvgemm writes [batch][numKernels][P][Q]; the GPU's channels of one image are contiguous in Y, but not
  // across images, so it runs once per image. The event is the last image's.
  const size_t PQ = size_t(c.P()) * c.Q(), rows = size_t(c.F - rowOffset);
  for (int b = 0; b < c.batch; ++b) {
    const bool last = b + 1 == c.batch;
    int status = gSconvgemm(kCrossCorrelation, c.C, c.H, c.W, c.R, c.S, c.padH, c.padW, c.strideH, c.strideW, 1, 1, rows, 1,
                            X, size_t(b) * c.C * c.H * c.W, W, size_t(rowOffset) * c.C * c.R * c.S, Y,
                            (size_t(b) * c.F + rowOffset) * PQ, &q, last ? event : nullptr);
    if (status != 0) {
      throw std::runtime_error("CLBlastSconvgemm failed with status " + std::to_string(status) +
                               (status < 0 && status > -100 ? std::string(" (") + ClErrorName(status) + ")" : ""));
    }
  }
}

}  // namespace coexec
