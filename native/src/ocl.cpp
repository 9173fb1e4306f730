// Implementation of the OpenCL RAII layer and the device queries.
#include "ocl.h"

#include <cstdio>
#include <cstdlib>

namespace coexec {

const ClApi& Cl() {
  const ClApi* api = LoadClApi(nullptr);
  if (!api) {
    std::fprintf(stderr, "internal error: OpenCL used before it was loaded\n");
    std::abort();
  }
  return *api;
}

void ClCheck(cl_int code, const char* call, const std::string& context) {
  if (code == CL_SUCCESS) return;
  // "Cl().clFinish(q)" -> "clFinish": the OpenCL function's name, without the table and the arguments.
  std::string name(call);
  if (name.rfind("Cl().", 0) == 0) name = name.substr(5);
  if (auto paren = name.find('('); paren != std::string::npos) name = name.substr(0, paren);
  throw ClError(name, code, context);
}

SvmBuffer::SvmBuffer(cl_context ctx, cl_svm_mem_flags flags, size_t bytes, const std::string& context)
    : ctx_(ctx), bytes_(bytes) {
  ptr_ = Cl().clSVMAlloc(ctx, flags, bytes ? bytes : 4, 64);
  if (!ptr_) throw std::runtime_error("clSVMAlloc of " + std::to_string(bytes) + " bytes failed (" + context + ")");
}
SvmBuffer::~SvmBuffer() {
  if (ptr_) Cl().clSVMFree(ctx_, ptr_);
}
SvmBuffer::SvmBuffer(SvmBuffer&& o) noexcept
    : ctx_(o.ctx_), ptr_(std::exchange(o.ptr_, nullptr)), bytes_(o.bytes_) {}
SvmBuffer& SvmBuffer::operator=(SvmBuffer&& o) noexcept {
  if (this != &o) {
    if (ptr_) Cl().clSVMFree(ctx_, ptr_);
    ctx_ = o.ctx_;
    ptr_ = std::exchange(o.ptr_, nullptr);
    bytes_ = o.bytes_;
  }
  return *this;
}

SvmMapGuard::SvmMapGuard(cl_command_queue q, cl_map_flags flags, void* ptr, size_t bytes, const char* context)
    : q_(q), ptr_(ptr) {
  COEXEC_CL(Cl().clEnqueueSVMMap(q, CL_TRUE, flags, ptr, bytes, 0, nullptr, nullptr), context);
}
SvmMapGuard::~SvmMapGuard() { Cl().clEnqueueSVMUnmap(q_, ptr_, 0, nullptr, nullptr); }

std::string DeviceQuery::String(cl_device_info what) const {
  size_t n = 0;
  if (Cl().clGetDeviceInfo(id, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "";
  std::string s(n, '\0');
  Cl().clGetDeviceInfo(id, what, n, s.data(), nullptr);
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}
cl_ulong DeviceQuery::Ulong(cl_device_info what) const {
  cl_ulong v = 0;
  Cl().clGetDeviceInfo(id, what, sizeof v, &v, nullptr);
  return v;
}
cl_uint DeviceQuery::Uint(cl_device_info what) const {
  cl_uint v = 0;
  Cl().clGetDeviceInfo(id, what, sizeof v, &v, nullptr);
  return v;
}
size_t DeviceQuery::Size(cl_device_info what) const {
  size_t v = 0;
  Cl().clGetDeviceInfo(id, what, sizeof v, &v, nullptr);
  return v;
}
bool DeviceQuery::Has(cl_device_info what) const {
  size_t n = 0;
  return Cl().clGetDeviceInfo(id, what, 0, nullptr, &n) == CL_SUCCESS;
}

std::string PlatformString(cl_platform_id p, cl_platform_info what) {
  size_t n = 0;
  if (Cl().clGetPlatformInfo(p, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "";
  std::string s(n, '\0');
  Cl().clGetPlatformInfo(p, what, n, s.data(), nullptr);
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

std::vector<DeviceEntry> ListDevices() {
  std::vector<DeviceEntry> out;
  cl_uint np = 0;
  if (Cl().clGetPlatformIDs(0, nullptr, &np) != CL_SUCCESS || np == 0) return out;
  std::vector<cl_platform_id> platforms(np);
  Cl().clGetPlatformIDs(np, platforms.data(), nullptr);
  for (auto p : platforms) {
    cl_uint nd = 0;
    if (Cl().clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, nullptr, &nd) != CL_SUCCESS || nd == 0) continue;
    std::vector<cl_device_id> devices(nd);
    Cl().clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, nd, devices.data(), nullptr);
    for (auto d : devices) {
      DeviceQuery q{d};
      out.push_back({p, d, PlatformString(p, CL_PLATFORM_NAME), q.String(CL_DEVICE_NAME),
                     static_cast<cl_device_type>(q.Ulong(CL_DEVICE_TYPE))});
    }
  }
  return out;
}

}  // namespace coexec
