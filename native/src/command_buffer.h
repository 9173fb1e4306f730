// How a mechanism issues the commands it prepared for one execution (resolved.gpuSubmit):
//   calls: one OpenCL call per command per execution (write, kernels, read-back, map/unmap), the standard path;
//   command-buffer: cl_khr_command_buffer (OpenCL's equivalent of a CUDA graph): the buffer-to-buffer copies
//     and the kernels of an execution are recorded once per job and replayed with one
//     clEnqueueCommandBufferKHR per execution, so the driver thread's fixed host cost per execution is one
//     call instead of one per command. Commands that touch host memory directly (map, unmap, read/write from
//     a host pointer) cannot be recorded and stay calls around the replay.
// The provisional extension changed its entry points across 0.9.x: from 0.9.5 every command-recording call
// takes a properties list (before, only the NDRange one did). The version comes from
// CL_DEVICE_EXTENSIONS_WITH_VERSION; 0.9.0-0.9.4 and 0.9.5-1.x are handled, anything else is refused with the
// version in the reason. Types and constants are declared here, so no header version is assumed.
//
// COEXEC_GPU_SUBMIT=auto|calls|command-buffer: auto (default) records a command buffer where the device can
// and falls back to calls with the reason recorded (resolved.gpuSubmitNote); command-buffer refuses the job
// where it cannot; calls forces the standard path.
#pragma once

#include <memory>
#include <string>

#include "gpu.h"

namespace coexec {

// Resident: the layer kernel is launched once per job and each execution is a store to fine-grained SVM
// (svm-resident), no command at all.
enum class GpuSubmit { Calls, CommandBuffer, Resident };

struct GpuSubmitChoice {
  GpuSubmit submit = GpuSubmit::Calls;
  std::string note;  // why calls under auto (empty when nothing was refused)
  const char* Name() const {
    return submit == GpuSubmit::CommandBuffer ? "command-buffer" : submit == GpuSubmit::Resident ? "resident" : "calls";
  }
};

// The request of COEXEC_GPU_SUBMIT: "auto" (unset or empty), "calls" or "command-buffer"; throws on another value.
std::string GpuSubmitRequest();

// Empty when `gpu` can record and replay command buffers on its queue, else why not.
std::string CommandBufferUnsupportedReason(GpuDevice& gpu);

// The submit path of a mechanism that can replay its commands: COEXEC_GPU_SUBMIT against the device.
// `blocker`: non-empty when this job's commands cannot be recorded (e.g. CLBlast enqueues its own kernels);
// it is treated like a missing capability. Throws when command-buffer is forced but impossible.
GpuSubmitChoice ChooseGpuSubmit(GpuDevice& gpu, const std::string& blocker = "");

// One command buffer recorded on the device's queue. Record (untimed, once per job), Finalize, then Enqueue
// per execution. Errors throw ClError with the command named.
class CommandBuffer {
 public:
  // Records for `queue` (default: the device's queue); throws std::runtime_error with the reason when the
  // device or that queue cannot.
  explicit CommandBuffer(GpuDevice& gpu, cl_command_queue queue = nullptr);
  ~CommandBuffer();
  CommandBuffer(const CommandBuffer&) = delete;
  CommandBuffer& operator=(const CommandBuffer&) = delete;

  void CopyBuffer(cl_mem src, cl_mem dst, size_t srcOffset, size_t dstOffset, size_t bytes, const std::string& what);
  // Same origin in both buffers (the GPU rows of Y), row pitch `pitch`, no slice pitch.
  void CopyBufferRect(cl_mem src, cl_mem dst, const size_t origin[3], const size_t region[3], size_t pitch,
                      const std::string& what);
  void NDRange(cl_kernel kernel, cl_uint dims, const size_t* global, const size_t* local, const std::string& what);
  void Finalize();
  // Timed: one replay on the device's queue; `event`, when non-null, receives the replay's event.
  void Enqueue(cl_event* event);
  const std::string& Version() const;  // "0.9.0", the extension version the entry points were chosen for

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace coexec
