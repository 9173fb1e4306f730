// Implementation names: which exist, which ISA "simd" resolves to on this CPU, and why one cannot run.
// Names: linear "simd" | "openblas"; conv2d "simd-im2col" | "simd-direct" | "simd-flat" | "openblas-im2col". Any simd
// name may carry an ISA suffix ("simd-avx2", "simd-direct-scalar") to pin the kernel set, which the tests
// and the benchmark use to cover every path the machine has.
#include "cpu/impl_select.h"

#include "cpu/cpu_layers.h"
#include "cpu/openblas.h"

namespace coexec {
namespace cpu {

namespace {

const char* const kIsas[] = {"avx512", "avx2", "neon", "scalar"};

bool StartsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

const KernelTable* KernelsForIsa(const std::string& isa, std::string* why) {
  std::string reason;
  const KernelTable* table = nullptr;
  if (isa == "avx512") {
    table = Avx512Kernels();
#if defined(__x86_64__)
    if (table && !__builtin_cpu_supports("avx512f")) reason = "this CPU (or OS) lacks avx512f";
#endif
  } else if (isa == "avx2") {
    table = Avx2Kernels();
#if defined(__x86_64__)
    if (table && !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) reason = "this CPU lacks avx2/fma";
#endif
  } else if (isa == "neon") {
    table = NeonKernels();
  } else if (isa == "scalar") {
    table = ScalarKernels();
  } else {
    reason = "no kernel set named '" + isa + "' (avx512, avx2, neon, scalar)";
  }
  if (!table && reason.empty()) reason = "the " + isa + " kernels are not built for this architecture";
  if (why) *why = reason;
  return reason.empty() ? table : nullptr;
}

const KernelTable* BestKernels() {
  static const KernelTable* best = [] {
    for (const char* isa : kIsas)
      if (const KernelTable* t = KernelsForIsa(isa, nullptr)) return t;
    return ScalarKernels();
  }();
  return best;
}

ImplChoice SelectImpl(const std::string& impl, bool conv) {
  ImplChoice c;
  std::string rest;  // what follows the algorithm part: "" or "-<isa>"
  if (!conv && impl == "openblas") {
    c.backend = Backend::kOpenBlas;
  } else if (conv && impl == "openblas-im2col") {
    c.backend = Backend::kOpenBlas;
    c.algo = ConvAlgo::kIm2col;
  } else if (!conv && StartsWith(impl, "simd") && (impl.size() == 4 || impl[4] == '-')) {
    rest = impl.substr(4);
  } else if (conv && StartsWith(impl, "simd-im2col")) {
    c.algo = ConvAlgo::kIm2col;
    rest = impl.substr(11);
  } else if (conv && StartsWith(impl, "simd-direct")) {
    c.algo = ConvAlgo::kDirect;
    rest = impl.substr(11);
  } else if (conv && StartsWith(impl, "simd-flat")) {
    c.algo = ConvAlgo::kFlat;
    rest = impl.substr(9);
  } else {
    c.error = "unknown " + std::string(conv ? "conv2d" : "linear") + " CPU implementation '" + impl +
              "' (expected " + (conv ? "simd-im2col, simd-direct, simd-flat, openblas-im2col" : "simd, openblas") + ")";
    return c;
  }
  if (c.backend == Backend::kOpenBlas) {
    c.error = GetOpenBlas().error;
    return c;
  }
  if (rest.empty()) {
    c.kernels = BestKernels();
  } else if (rest[0] != '-' || rest.size() == 1) {
    c.error = "unknown CPU implementation '" + impl + "'";
  } else {
    c.kernels = KernelsForIsa(rest.substr(1), &c.error);
  }
  return c;
}

}  // namespace cpu

std::vector<std::string> CpuImplNames(bool conv) {
  if (conv) return {"simd-im2col", "simd-direct", "simd-flat", "openblas-im2col"};
  return {"simd", "openblas"};
}

std::vector<std::string> CpuImplVariants(bool conv) {
  std::vector<std::string> names = CpuImplNames(conv);
  for (const char* isa : cpu::kIsas) {
    if (conv) {
      names.push_back(std::string("simd-im2col-") + isa);
      names.push_back(std::string("simd-direct-") + isa);
      names.push_back(std::string("simd-flat-") + isa);
    } else {
      names.push_back(std::string("simd-") + isa);
    }
  }
  return names;
}

std::string ResolvedSimdName() { return std::string("simd-") + cpu::BestKernels()->isa; }

std::string ResolvedCpuImplName(const std::string& impl) {
  if (impl == "simd" || impl == "simd-im2col" || impl == "simd-direct" || impl == "simd-flat") return impl + "-" + cpu::BestKernels()->isa;
  return impl;
}

std::string CpuImplUnavailableReason(const std::string& impl) {
  // The layer kind follows from the name; an unknown name gets the full list.
  const bool conv = impl.rfind("simd-im2col", 0) == 0 || impl.rfind("simd-direct", 0) == 0 ||
                    impl.rfind("simd-flat", 0) == 0 ||
                    impl.rfind("openblas-im2col", 0) == 0;
  const bool linear = impl == "openblas" || impl.rfind("simd", 0) == 0;
  if (!conv && !linear)
    return "unknown CPU implementation '" + impl +
           "' (linear: simd, openblas; conv2d: simd-im2col, simd-direct, simd-flat, openblas-im2col)";
  return cpu::SelectImpl(impl, conv).error;
}

}  // namespace coexec
