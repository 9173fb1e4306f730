// The OpenCL device a run uses: selection from the plan's device selector, its capabilities, one context
// with two in-order queues (below), and the single place where programs are built (BuildProgram).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "json.h"
#include "ocl.h"
#include "plan.h"

namespace coexec {

struct DeviceCaps {
  std::string platformName, platformVersion, name, vendor, version, driver, openclCVersion;
  cl_device_type type = 0;
  cl_device_svm_capabilities svm = 0;
  bool openclC30 = false, openclC20 = false;  // the device compiles -cl-std=CL3.0 / CL2.0
  std::vector<std::string> openclCVersions, openclCFeatures;
  cl_uint computeUnits = 0;
  // CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT: floats per native vector (PoCL: 16 on AVX-512, 8 on AVX2; 1 on a
  // scalar-SIMT GPU). A profile's register-tiled variants may take it as their VW (src/plan/gpu-variants.ts).
  cl_uint nativeVectorWidthFloat = 0;
  size_t maxWorkGroupSize = 0;
  cl_ulong localMemBytes = 0, globalMemBytes = 0;
  cl_device_atomic_capabilities atomicMemoryCaps = 0, atomicFenceCaps = 0;
  // CL_DEVICE_HOST_UNIFIED_MEMORY (deprecated in 2.0 but still answered): the device works in host memory,
  // so buffers are mapped, never copied (host_memory.h).
  bool hostUnifiedMemory = false;

  bool HasFeature(const std::string& macro) const;
  // "CL3.0" when the device has OpenCL C 3.0, else "CL2.0" when it has 2.x, else "CL1.2".
  std::string ClStd() const;
  std::string TypeName() const;   // "gpu" | "cpu" | "accelerator" | "other"
  Json SvmJson() const;           // ["coarse","fine-buffer","fine-system","atomics"] subset
  Json AtomicJson(cl_device_atomic_capabilities caps) const;
  Json ToJson() const;            // the "device" object of results
};

DeviceCaps QueryCaps(const DeviceEntry& entry);

// Which queue the timed executions run on (resolved.timedQueue). Plain: a queue without
// CL_QUEUE_PROFILING_ENABLE (measured on the H200: half the host time per enqueue call, 3-11 us less latency);
// the profiled executions that give the GPU timestamps run on the device's second, profiling queue.
// Profiling: the old arrangement, every execution on the profiling queue (kept to measure beside plain).
enum class TimedQueue { Plain, Profiling };
const char* TimedQueueName(TimedQueue q);  // "plain" | "profiling"
// COEXEC_TIMED_QUEUE=plain|profiling (unset or empty: plain); throws on another value.
TimedQueue TimedQueueRequest();

// Whether svm-resident builds deal virtual work-groups with stealing (COEXEC_RESIDENT_DEAL unset or "steal", the
// default) or in fixed chunks ("static"); any other value throws.
bool ResidentDealSteals();

class GpuDevice {
 public:
  explicit GpuDevice(const DeviceEntry& entry);
  const DeviceCaps& caps() const { return caps_; }
  cl_context context() const { return context_.get(); }
  // The queue of the executions now running: the timed queue, or the profiling queue between
  // UseProfilingQueue(true) and (false). Everything a job enqueues goes here, so a mechanism never chooses.
  cl_command_queue queue() const { return current_; }
  cl_command_queue plainQueue() const { return plain_.get(); }
  cl_command_queue profilingQueue() const { return profiling_.get(); }
  TimedQueue timedQueue() const { return timed_; }
  // Untimed, at the start of a job (before anything is enqueued): the timed queue from now on; both queues are
  // finished first, and the current queue becomes the timed one.
  void SetTimedQueue(TimedQueue which);
  // Untimed, around the profiled executions. Switching finishes the queue being left, so that whatever it
  // still holds (a kernel retiring after svm-fine's last signal, a map, a read-back) is complete before the
  // other queue touches the same buffers: two queues of one context are not ordered with each other.
  // Nothing to finish when the timed queue is the profiling queue.
  void UseProfilingQueue(bool on);
  cl_device_id id() const { return entry_.device; }
  cl_platform_id platform() const { return entry_.platform; }

  struct Built {
    cl_program program;   // owned by the device's cache
    std::string options;  // the exact build options, recorded in results as resolved.buildOptions
  };
  // Builds common.cl + `file` with -cl-std, the knobs as -DNAME=value and the feature macros (signal: the
  // svm-fine completion counter), or returns the cached program. Throws with the build log on failure.
  // signal: the completion counter (svm-fine); resident (implies signal): the svm-resident build of the
  // layer kernels (native/kernels/common.cl).
  Built BuildProgram(const std::string& file, const std::vector<std::pair<std::string, int>>& knobs, bool signal,
                     bool resident = false);

 private:
  DeviceEntry entry_;
  DeviceCaps caps_;
  Context context_;
  Queue plain_, profiling_;
  TimedQueue timed_ = TimedQueue::Plain;
  cl_command_queue current_ = nullptr;
  std::map<std::string, Program> cache_;
};

// The first device matching the selector ("gpu-or-cpu" prefers a GPU); null with *why when none.
std::unique_ptr<GpuDevice> SelectDevice(const DeviceSelector& sel, std::string* why);

// Source text of an embedded kernel file; throws when unknown.
const char* KernelSource(const std::string& file);

}  // namespace coexec
