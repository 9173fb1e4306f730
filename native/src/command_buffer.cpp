// cl_khr_command_buffer: version detection, entry points, recording and replay (see command_buffer.h).
#include "command_buffer.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace coexec {

namespace {

// The extension's ABI, declared here rather than taken from CL/cl_ext.h: installed headers differ in which
// version they describe, and newer ones hide the provisional extension behind CL_ENABLE_BETA_EXTENSIONS.
struct CommandBufferTag;
using cl_command_buffer = CommandBufferTag*;
using cl_sync_point = cl_uint;
using cl_mutable_command = void*;
constexpr cl_device_info kDeviceCommandBufferRequiredQueueProperties = 0x12AA;
constexpr cl_device_info kDeviceCommandBufferSupportedQueueProperties = 0x129A;  // from 0.9.5
constexpr cl_int kIncompatibleCommandQueue = -1140;
constexpr const char* kExtension = "cl_khr_command_buffer";

using CreateFn = cl_command_buffer(CL_API_CALL*)(cl_uint, const cl_command_queue*, const cl_properties*, cl_int*);
using FinalizeFn = cl_int(CL_API_CALL*)(cl_command_buffer);
using ReleaseFn = cl_int(CL_API_CALL*)(cl_command_buffer);
using EnqueueFn = cl_int(CL_API_CALL*)(cl_uint, cl_command_queue*, cl_command_buffer, cl_uint, const cl_event*, cl_event*);
// NDRange: a properties list in every version.
using NDRangeFn = cl_int(CL_API_CALL*)(cl_command_buffer, cl_command_queue, const cl_properties*, cl_kernel, cl_uint,
                                       const size_t*, const size_t*, const size_t*, cl_uint, const cl_sync_point*,
                                       cl_sync_point*, cl_mutable_command*);
// Copies before 0.9.5: no properties.
using CopyBufferV090 = cl_int(CL_API_CALL*)(cl_command_buffer, cl_command_queue, cl_mem, cl_mem, size_t, size_t, size_t,
                                            cl_uint, const cl_sync_point*, cl_sync_point*, cl_mutable_command*);
using CopyRectV090 = cl_int(CL_API_CALL*)(cl_command_buffer, cl_command_queue, cl_mem, cl_mem, const size_t*,
                                          const size_t*, const size_t*, size_t, size_t, size_t, size_t, cl_uint,
                                          const cl_sync_point*, cl_sync_point*, cl_mutable_command*);
// Copies from 0.9.5: a properties list after the queue.
using CopyBufferV095 = cl_int(CL_API_CALL*)(cl_command_buffer, cl_command_queue, const cl_properties*, cl_mem, cl_mem,
                                            size_t, size_t, size_t, cl_uint, const cl_sync_point*, cl_sync_point*,
                                            cl_mutable_command*);
using CopyRectV095 = cl_int(CL_API_CALL*)(cl_command_buffer, cl_command_queue, const cl_properties*, cl_mem, cl_mem,
                                          const size_t*, const size_t*, const size_t*, size_t, size_t, size_t, size_t,
                                          cl_uint, const cl_sync_point*, cl_sync_point*, cl_mutable_command*);

struct EntryPoints {
  CreateFn create = nullptr;
  FinalizeFn finalize = nullptr;
  ReleaseFn release = nullptr;
  EnqueueFn enqueue = nullptr;
  NDRangeFn ndrange = nullptr;
  void* copyBuffer = nullptr;  // CopyBufferV090 or CopyBufferV095, per `withProperties`
  void* copyRect = nullptr;
  bool withProperties = false;
  std::string version;
};

std::string VersionText(cl_version v) {
  return std::to_string(CL_VERSION_MAJOR(v)) + "." + std::to_string(CL_VERSION_MINOR(v)) + "." +
         std::to_string(CL_VERSION_PATCH(v));
}

// The extension's version on the device; empty with *why when the device lacks it or does not say.
std::string ExtensionVersion(cl_device_id dev, cl_version* version) {
  // Test hook (native/tests/run.sh): COEXEC_TEST_COMMAND_BUFFER_VERSION=none|MAJOR.MINOR.PATCH stands in for
  // the device's answer, so that the refusals can be tested on a device that has the extension.
  if (const char* fake = std::getenv("COEXEC_TEST_COMMAND_BUFFER_VERSION"); fake && *fake) {
    unsigned major = 0, minor = 0, patch = 0;
    if (std::sscanf(fake, "%u.%u.%u", &major, &minor, &patch) != 3) return "the device lacks cl_khr_command_buffer";
    *version = CL_MAKE_VERSION(major, minor, patch);
    return "";
  }
  size_t n = 0;
  if (Cl().clGetDeviceInfo(dev, CL_DEVICE_EXTENSIONS_WITH_VERSION, 0, nullptr, &n) == CL_SUCCESS && n) {
    std::vector<cl_name_version> list(n / sizeof(cl_name_version));
    if (Cl().clGetDeviceInfo(dev, CL_DEVICE_EXTENSIONS_WITH_VERSION, n, list.data(), nullptr) == CL_SUCCESS) {
      for (const auto& e : list) {
        if (std::strcmp(e.name, kExtension) == 0) {
          *version = e.version;
          return "";
        }
      }
      return "the device lacks cl_khr_command_buffer";
    }
  }
  const std::string extensions = DeviceQuery{dev}.String(CL_DEVICE_EXTENSIONS);
  if (extensions.find(kExtension) == std::string::npos) return "the device lacks cl_khr_command_buffer";
  return "the device lists cl_khr_command_buffer but not its version (no CL_DEVICE_EXTENSIONS_WITH_VERSION): its "
         "entry points changed across versions, so it is not used";
}

// Loads the entry points matching the device's version; empty on success, else why not.
std::string LoadEntryPoints(GpuDevice& gpu, EntryPoints* ep) {
  cl_version v = 0;
  if (std::string why = ExtensionVersion(gpu.id(), &v); !why.empty()) return why;
  const unsigned major = CL_VERSION_MAJOR(v), minor = CL_VERSION_MINOR(v), patch = CL_VERSION_PATCH(v);
  ep->version = VersionText(v);
  if (major == 0 && minor == 9) {
    ep->withProperties = patch >= 5;
  } else if (major == 1) {
    ep->withProperties = true;
  } else {
    return "cl_khr_command_buffer " + ep->version + " is a version this engine does not know (it handles 0.9.0-0.9.4 "
           "and 0.9.5-1.x, whose entry points differ)";
  }
  if (!Cl().clGetExtensionFunctionAddressForPlatform)
    return "the OpenCL library lacks clGetExtensionFunctionAddressForPlatform";
  std::string missing;
  auto load = [&](const char* name) {
    void* f = Cl().clGetExtensionFunctionAddressForPlatform(gpu.platform(), name);
    if (!f) missing += std::string(missing.empty() ? "" : ", ") + name;
    return f;
  };
  ep->create = reinterpret_cast<CreateFn>(load("clCreateCommandBufferKHR"));
  ep->finalize = reinterpret_cast<FinalizeFn>(load("clFinalizeCommandBufferKHR"));
  ep->release = reinterpret_cast<ReleaseFn>(load("clReleaseCommandBufferKHR"));
  ep->enqueue = reinterpret_cast<EnqueueFn>(load("clEnqueueCommandBufferKHR"));
  ep->ndrange = reinterpret_cast<NDRangeFn>(load("clCommandNDRangeKernelKHR"));
  ep->copyBuffer = load("clCommandCopyBufferKHR");
  ep->copyRect = load("clCommandCopyBufferRectKHR");
  if (!missing.empty()) return "cl_khr_command_buffer " + ep->version + ": the platform does not return " + missing;
  return "";
}

// Empty when a command buffer may be recorded on `queue` of `gpu`, else why not.
std::string QueueIncompatibility(GpuDevice& gpu, cl_command_queue queue, const EntryPoints& ep) {
  cl_command_queue_properties have = 0;
  COEXEC_CL(Cl().clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof have, &have, nullptr),
            "queue properties");
  cl_command_queue_properties required = 0;
  if (Cl().clGetDeviceInfo(gpu.id(), kDeviceCommandBufferRequiredQueueProperties, sizeof required, &required, nullptr) ==
          CL_SUCCESS &&
      (required & ~have))
    return "cl_khr_command_buffer " + ep.version + " requires queue properties 0x" + std::to_string(required) +
           " that the queue lacks";
  cl_command_queue_properties supported = 0;
  if (ep.withProperties &&
      Cl().clGetDeviceInfo(gpu.id(), kDeviceCommandBufferSupportedQueueProperties, sizeof supported, &supported,
                           nullptr) == CL_SUCCESS &&
      (have & ~(supported | required)))
    return "cl_khr_command_buffer " + ep.version +
           " does not support the queue's properties (CL_DEVICE_COMMAND_BUFFER_SUPPORTED_QUEUE_PROPERTIES_KHR" +
           std::string(have & CL_QUEUE_PROFILING_ENABLE ? "; the queue has profiling enabled, COEXEC_TIMED_QUEUE=profiling)"
                                                        : ")");
  return "";
}

}  // namespace

struct CommandBuffer::Impl {
  EntryPoints ep;
  cl_command_queue queue = nullptr;
  cl_command_buffer buffer = nullptr;
};

std::string GpuSubmitRequest() {
  const char* env = std::getenv("COEXEC_GPU_SUBMIT");
  // Default: calls. Measured on the GPU host (results/benchmarks/gpu-host-20261203-round4): NVIDIA's OpenCL
  // (driver 580) has no cl_khr_command_buffer, and on PoCL 5 the replays were 1.06-1.24x slower than the calls
  // they replace in 11 of 12 engine jobs. Command buffers stay one switch away (auto, command-buffer).
  const std::string v = env && *env ? env : "calls";
  if (v != "auto" && v != "calls" && v != "command-buffer")
    throw std::runtime_error("COEXEC_GPU_SUBMIT: unknown value \"" + v + "\" (expected auto|calls|command-buffer)");
  return v;
}

std::string CommandBufferUnsupportedReason(GpuDevice& gpu) {
  EntryPoints ep;
  if (std::string why = LoadEntryPoints(gpu, &ep); !why.empty()) return why;
  return QueueIncompatibility(gpu, gpu.queue(), ep);
}

GpuSubmitChoice ChooseGpuSubmit(GpuDevice& gpu, const std::string& blocker) {
  const std::string request = GpuSubmitRequest();
  GpuSubmitChoice c;
  if (request == "calls") return c;
  const std::string why = blocker.empty() ? CommandBufferUnsupportedReason(gpu) : blocker;
  if (why.empty()) {
    c.submit = GpuSubmit::CommandBuffer;
  } else if (request == "command-buffer") {
    throw std::runtime_error("COEXEC_GPU_SUBMIT=command-buffer: " + why);
  } else {
    c.note = why;
  }
  return c;
}

CommandBuffer::CommandBuffer(GpuDevice& gpu, cl_command_queue queue) : impl_(std::make_unique<Impl>()) {
  impl_->queue = queue ? queue : gpu.queue();
  if (std::string why = LoadEntryPoints(gpu, &impl_->ep); !why.empty()) throw std::runtime_error(why);
  if (std::string why = QueueIncompatibility(gpu, impl_->queue, impl_->ep); !why.empty()) throw std::runtime_error(why);
  cl_int err = CL_SUCCESS;
  impl_->buffer = impl_->ep.create(1, &impl_->queue, nullptr, &err);
  if (err == kIncompatibleCommandQueue)
    throw std::runtime_error("cl_khr_command_buffer " + impl_->ep.version +
                             ": clCreateCommandBufferKHR refuses the queue (CL_INCOMPATIBLE_COMMAND_QUEUE_KHR)");
  ClCheck(err, "clCreateCommandBufferKHR", "cl_khr_command_buffer " + impl_->ep.version);
}

CommandBuffer::~CommandBuffer() {
  if (impl_->buffer) impl_->ep.release(impl_->buffer);  // nothing useful to do about a failing release
}

// The queue argument of every recording call is null: it names one of the command buffer's queues only with
// cl_khr_command_buffer_multi_device, and must be null without it.
void CommandBuffer::CopyBuffer(cl_mem src, cl_mem dst, size_t srcOffset, size_t dstOffset, size_t bytes,
                               const std::string& what) {
  const auto& ep = impl_->ep;
  const cl_int err =
      ep.withProperties
          ? reinterpret_cast<CopyBufferV095>(ep.copyBuffer)(impl_->buffer, nullptr, nullptr, src, dst, srcOffset,
                                                            dstOffset, bytes, 0, nullptr, nullptr, nullptr)
          : reinterpret_cast<CopyBufferV090>(ep.copyBuffer)(impl_->buffer, nullptr, src, dst, srcOffset, dstOffset,
                                                            bytes, 0, nullptr, nullptr, nullptr);
  ClCheck(err, "clCommandCopyBufferKHR", what);
}

void CommandBuffer::CopyBufferRect(cl_mem src, cl_mem dst, const size_t origin[3], const size_t region[3], size_t pitch,
                                   const std::string& what) {
  const auto& ep = impl_->ep;
  const cl_int err =
      ep.withProperties
          ? reinterpret_cast<CopyRectV095>(ep.copyRect)(impl_->buffer, nullptr, nullptr, src, dst, origin, origin,
                                                        region, pitch, 0, pitch, 0, 0, nullptr, nullptr, nullptr)
          : reinterpret_cast<CopyRectV090>(ep.copyRect)(impl_->buffer, nullptr, src, dst, origin, origin, region, pitch,
                                                        0, pitch, 0, 0, nullptr, nullptr, nullptr);
  ClCheck(err, "clCommandCopyBufferRectKHR", what);
}

void CommandBuffer::NDRange(cl_kernel kernel, cl_uint dims, const size_t* global, const size_t* local,
                            const std::string& what) {
  ClCheck(impl_->ep.ndrange(impl_->buffer, nullptr, nullptr, kernel, dims, nullptr, global, local, 0, nullptr, nullptr,
                            nullptr),
          "clCommandNDRangeKernelKHR", what);
}

void CommandBuffer::Finalize() {
  ClCheck(impl_->ep.finalize(impl_->buffer), "clFinalizeCommandBufferKHR", "cl_khr_command_buffer " + impl_->ep.version);
}

void CommandBuffer::Enqueue(cl_event* event) {
  cl_int err = impl_->ep.enqueue(1, &impl_->queue, impl_->buffer, 0, nullptr, event);
  // A command buffer recorded without simultaneous use is "pending" until the runtime retires its last replay,
  // and a replay enqueued while it is refused with CL_INVALID_OPERATION. PoCL can retire it a moment after the
  // replay's work is seen complete: CI's ThreadSanitizer subset (zero-copy, auto, event-poll) hit it once in three
  // runs of 2026-12-06. Wait for the queue to drain, then replay once more; a second refusal is an error.
  if (err == CL_INVALID_OPERATION) {
    Cl().clFinish(impl_->queue);  // its own error, if any, shows in the replay below
    err = impl_->ep.enqueue(1, &impl_->queue, impl_->buffer, 0, nullptr, event);
  }
  if (err != CL_SUCCESS) ClCheck(err, "clEnqueueCommandBufferKHR", "cl_khr_command_buffer " + impl_->ep.version);
}

const std::string& CommandBuffer::Version() const { return impl_->ep.version; }

}  // namespace coexec
