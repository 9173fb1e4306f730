// Loads libopenblas with dlopen on first use and resolves the three entry points the CPU layers need.
#include "cpu/openblas.h"

#include <dlfcn.h>

#include <mutex>

namespace coexec {
namespace cpu {

void OpenBlas::UseThreads(int t) {
  if (t != threads && setThreads) {
    setThreads(t);
    threads = t;
  }
}

OpenBlas& GetOpenBlas() {
  static OpenBlas blas;
  static std::once_flag once;
  std::call_once(once, [] {
    void* handle = nullptr;
    std::string tried;
    for (const char* name : {"libopenblas.so.0", "libopenblas.so"}) {
      handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (handle) break;
      tried += tried.empty() ? name : std::string(", ") + name;
    }
    if (!handle) {
      blas.error = "OpenBLAS not found (tried " + tried + ")";
      return;
    }
    blas.sgemm = reinterpret_cast<OpenBlas::Sgemm>(dlsym(handle, "cblas_sgemm"));
    blas.sgemv = reinterpret_cast<OpenBlas::Sgemv>(dlsym(handle, "cblas_sgemv"));
    blas.setThreads = reinterpret_cast<OpenBlas::SetThreads>(dlsym(handle, "openblas_set_num_threads"));
    if (!blas.sgemm || !blas.sgemv || !blas.setThreads)
      blas.error = "OpenBLAS library lacks cblas_sgemm, cblas_sgemv or openblas_set_num_threads";
    // The handle stays open for the life of the process: the function pointers point into it.
  });
  return blas;
}

}  // namespace cpu
}  // namespace coexec
