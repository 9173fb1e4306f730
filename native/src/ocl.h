// RAII over OpenCL handles: one owning class per handle type (released in the destructor), an SVM
// allocation, a scoped SVM map, and ClError carrying the failed call, the symbolic code and the job context.
// This layer and ocl_api.cpp are the only code that calls through the dlopen'ed function table.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ocl_api.h"

namespace coexec {

// The table loaded by LoadClApi; calling it before a successful load is a bug (aborts).
const ClApi& Cl();

class ClError : public std::runtime_error {
 public:
  ClError(const std::string& call, cl_int code, const std::string& context)
      : std::runtime_error(call + " failed: " + ClErrorName(code) + (context.empty() ? "" : " (" + context + ")")),
        code_(code) {}
  cl_int code() const { return code_; }
 private:
  cl_int code_;
};

// Throws ClError when code != CL_SUCCESS. `call` is the function name or the call as written (COEXEC_CL),
// `context` the job context (variant, sizes).
void ClCheck(cl_int code, const char* call, const std::string& context = "");
// The context is built only when the call failed: many checks sit on the timed path of the driver thread,
// where building a string per call would be part of the measured host cost.
#define COEXEC_CL(call, context)                                                   \
  do {                                                                             \
    const cl_int coexec_cl_code_ = (call);                                         \
    if (coexec_cl_code_ != CL_SUCCESS) ::coexec::ClCheck(coexec_cl_code_, #call, (context)); \
  } while (0)

template <typename H> struct ClReleaser;
#define COEXEC_RELEASER(type, fn) \
  template <> struct ClReleaser<type> { static cl_int Release(type h) { return Cl().fn(h); } };
COEXEC_RELEASER(cl_context, clReleaseContext)
COEXEC_RELEASER(cl_command_queue, clReleaseCommandQueue)
COEXEC_RELEASER(cl_program, clReleaseProgram)
COEXEC_RELEASER(cl_kernel, clReleaseKernel)
COEXEC_RELEASER(cl_mem, clReleaseMemObject)
COEXEC_RELEASER(cl_event, clReleaseEvent)
#undef COEXEC_RELEASER

// Owns one handle; move-only. get() exposes the raw handle for calls through the table.
template <typename H>
class ClHandle {
 public:
  ClHandle() = default;
  explicit ClHandle(H h) : h_(h) {}
  ~ClHandle() { Reset(); }
  ClHandle(ClHandle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  ClHandle& operator=(ClHandle&& o) noexcept {
    if (this != &o) { Reset(); h_ = std::exchange(o.h_, nullptr); }
    return *this;
  }
  ClHandle(const ClHandle&) = delete;
  ClHandle& operator=(const ClHandle&) = delete;
  H get() const { return h_; }
  H* out() { Reset(); return &h_; }  // for calls that return the handle through a pointer
  explicit operator bool() const { return h_ != nullptr; }
  void Reset() {
    if (h_) ClReleaser<H>::Release(h_);  // release errors are ignored: nothing useful to do in a destructor
    h_ = nullptr;
  }
 private:
  H h_ = nullptr;
};

using Context = ClHandle<cl_context>;
using Queue = ClHandle<cl_command_queue>;
using Program = ClHandle<cl_program>;
using Kernel = ClHandle<cl_kernel>;
using Buffer = ClHandle<cl_mem>;
using Event = ClHandle<cl_event>;

// One SVM allocation (clSVMAlloc/clSVMFree) tied to its context.
class SvmBuffer {
 public:
  SvmBuffer() = default;
  SvmBuffer(cl_context ctx, cl_svm_mem_flags flags, size_t bytes, const std::string& context);
  ~SvmBuffer();
  SvmBuffer(SvmBuffer&& o) noexcept;
  SvmBuffer& operator=(SvmBuffer&& o) noexcept;
  SvmBuffer(const SvmBuffer&) = delete;
  SvmBuffer& operator=(const SvmBuffer&) = delete;
  void* get() const { return ptr_; }
  template <typename T> T* as() const { return static_cast<T*>(ptr_); }
  size_t bytes() const { return bytes_; }
 private:
  cl_context ctx_ = nullptr;
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// Maps a coarse-grained SVM range (blocking) for the host and unmaps it when the scope ends; the unmap is
// enqueued, so the caller still waits on the queue before the device touches the range again.
class SvmMapGuard {
 public:
  // `context` is a literal: guards sit on timed paths, where building a string per map would be measured.
  SvmMapGuard(cl_command_queue q, cl_map_flags flags, void* ptr, size_t bytes, const char* context);
  ~SvmMapGuard();
  SvmMapGuard(const SvmMapGuard&) = delete;
  SvmMapGuard& operator=(const SvmMapGuard&) = delete;
 private:
  cl_command_queue q_;
  void* ptr_;
};

// Device queries by name.
struct DeviceQuery {
  cl_device_id id;
  std::string String(cl_device_info what) const;
  cl_ulong Ulong(cl_device_info what) const;      // for cl_ulong and cl_bitfield values
  cl_uint Uint(cl_device_info what) const;
  size_t Size(cl_device_info what) const;
  bool Has(cl_device_info what) const;            // false when the query itself fails (older drivers)
};
std::string PlatformString(cl_platform_id p, cl_platform_info what);

// Platform/device discovery: every device of every platform, in platform order.
struct DeviceEntry {
  cl_platform_id platform;
  cl_device_id device;
  std::string platformName, deviceName;
  cl_device_type type;
};
std::vector<DeviceEntry> ListDevices();

}  // namespace coexec
