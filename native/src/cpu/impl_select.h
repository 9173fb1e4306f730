// Private to native/src/cpu: turns an implementation name from a plan into what to run.
#pragma once

#include <string>

#include "cpu/cpu_kernels.h"

namespace coexec {
namespace cpu {

enum class Backend { kSimd, kOpenBlas };
enum class ConvAlgo { kNone, kIm2col, kDirect, kFlat };  // kNone for linear

struct ImplChoice {
  Backend backend = Backend::kSimd;
  ConvAlgo algo = ConvAlgo::kNone;
  const KernelTable* kernels = nullptr;  // set for kSimd
  std::string error;                     // non-empty: unknown name, wrong layer kind, or unavailable here
};

// `conv` selects the layer kind the name must belong to.
ImplChoice SelectImpl(const std::string& impl, bool conv);

// The widest kernel table this CPU runs, or null if the named ISA ("avx512", ...) is not usable here;
// `why` receives the reason.
const KernelTable* KernelsForIsa(const std::string& isa, std::string* why);
const KernelTable* BestKernels();

}  // namespace cpu
}  // namespace coexec
