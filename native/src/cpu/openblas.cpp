// Loads libopenblas with dlopen on first use and resolves the three entry points the CPU layers need.
#include "cpu/openblas.h"

#include <dlfcn.h>

#include <mutex>

#include "cpu/helper_threads.h"

namespace coexec {
namespace cpu {

void OpenBlas::UseThreads(int t) {
  if (t == threads || !setThreads) return;
  // A count above every earlier one may start workers (a pthreads OpenBLAS starts them in the calling
  // thread): they are the CPU side's, recorded so that the herd keeps them on the CPU slice's cores.
  if (t > mostThreads) {
    RecordHelperThreadsOf([this, t] { setThreads(t); });
    mostThreads = t;
  } else {
    setThreads(t);
  }
  threads = t;
}

OpenBlas& GetOpenBlas() {
  static OpenBlas blas;
  static std::once_flag once;
  std::call_once(once, [] {
    void* handle = nullptr;
    std::string tried;
    // A pthreads OpenBLAS starts its workers while it loads, with the loading thread's mask: recorded as
    // the CPU side's helper threads (the herd gives them the CPU slice's cores).
    RecordHelperThreadsOf([&handle, &tried] {
      for (const char* name : {"libopenblas.so.0", "libopenblas.so"}) {
        handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (handle) break;
        tried += tried.empty() ? name : std::string(", ") + name;
      }
    });
    if (!handle) {
      blas.error = "OpenBLAS not found (tried " + tried + ")";
      return;
    }
    blas.sgemm = reinterpret_cast<OpenBlas::Sgemm>(dlsym(handle, "cblas_sgemm"));
    blas.sgemv = reinterpret_cast<OpenBlas::Sgemv>(dlsym(handle, "cblas_sgemv"));
    blas.setThreads = reinterpret_cast<OpenBlas::SetThreads>(dlsym(handle, "openblas_set_num_threads"));
    // The count it loaded with (its workers exist already): only a larger one is recorded around.
    using GetThreads = int (*)();
    if (auto getThreads = reinterpret_cast<GetThreads>(dlsym(handle, "openblas_get_num_threads")))
      blas.mostThreads = getThreads();
    if (!blas.sgemm || !blas.sgemv || !blas.setThreads)
      blas.error = "OpenBLAS library lacks cblas_sgemm, cblas_sgemv or openblas_set_num_threads";
    // The handle stays open for the life of the process: the function pointers point into it.
  });
  return blas;
}

}  // namespace cpu
}  // namespace coexec
