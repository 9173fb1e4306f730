// The synchronization mechanisms between the CPU slice and the GPU slice of one layer execution
// (BRIEF.md section 3). A mechanism only says what to enqueue, copy or map and how to wait; who runs when
// (the GPU-driver thread, the CPU pool, the start/finish handshake) is the executor's (executor.h). One
// file per mechanism: sync_buffers.cpp (finish, event-poll), sync_svm_coarse.cpp, sync_svm_fine.cpp,
// sync_svm_resident.cpp;
// the CPU-only path and the shared helpers are in sync.cpp, the bare round trip in roundtrip.cpp.
#pragma once

#include <sched.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "command_buffer.h"
#include "gpu.h"
#include "plan.h"
#include "split.h"
#include "variants.h"

namespace coexec {

int64_t NowNs();  // steady clock

// Everything one layer execution needs, prepared once per job (outside any timed window).
struct LayerRun {
  const Layer* layer = nullptr;
  int cpuRows = 0, gpuRows = 0;           // along the split dimension (split.cpuRows, split.gpuRows)
  SplitGeometry split;                    // what each side computes, and the GPU's share of X and Y
  const std::vector<float>* X = nullptr;  // host tensors drawn from the job's seed (the producer's data)
  const std::vector<float>* W = nullptr;
  const std::vector<float>* b = nullptr;
  GpuDevice* gpu = nullptr;               // null when gpuRows == 0
  VariantPlan variant;
  std::vector<Kernel> kernels;            // one per variant.launches entry
  Buffer col;                             // im2col scratch (device only)
  // Profiled executions of a variant with a launch after its main kernel (split-K's sum): that last
  // launch's event, whose end the kernel time extends to (EndAfterMain), so it spans the layer's kernels.
  Event afterMain;
  Buffer packedW;                         // register-tiled variants: PackWeights(W), device only
  // clblast only: the buffers it works on, and Y's bias rows [M][N] copied into Y's GPU rows before each GEMM.
  cl_mem memX = nullptr, memW = nullptr, memY = nullptr;
  Buffer biasRows;
  // Computes Y rows [0, cpuRows) from the given tensors (the CPU implementation on the executor's pool).
  std::function<void(const float* X, const float* W, const float* b, float* Y)> cpuSlice;
};

// Times of one execution, all from the same steady clock; t0 is the start of the timed window.
struct Sample {
  int64_t totalNs = 0;           // t0 -> both slices in the output (the timed window)
  int64_t cpuNs = 0;             // the CPU slice alone (0 without CPU rows)
  int64_t gpuNs = 0;             // t0 -> the host knows the GPU rows are in the output (0 without GPU rows)
  int64_t cpuStartNs = 0;        // t0 -> the CPU slice starts
  int64_t driverStartNs = 0;     // t0 -> the driver thread starts its first OpenCL call
  int64_t enqueueNs = 0;         // the driver thread's enqueue calls up to and including the flush
  int64_t waitAfterCpuNs = 0;    // end of the CPU slice -> end of the timed window (0 without CPU rows)
};

// Where the CPU slice reads and writes.
struct CpuTensors {
  const float* X = nullptr;
  const float* W = nullptr;
  const float* b = nullptr;
  float* Y = nullptr;
};

// The GPU side of one execution as the executor's driver thread runs it: Enqueue, then DriverWait; then the
// CPU-slice thread asks HostSeesGpuDone until it is true. A layer mechanism and the bare round trip both
// have this shape.
class GpuSide {
 public:
  virtual ~GpuSide() = default;
  // Driver thread, timed: publish the input, enqueue the kernels and any read-back or map, flush. `profile`
  // is null on every timed execution (no OpenCL event on the timed path); the untimed profiling executions
  // pass one to receive the main kernel's event.
  virtual void Enqueue(Event* profile) = 0;
  // Driver thread, timed, right after Enqueue: the blocking or polling wait, where the mechanism has one.
  virtual void DriverWait() {}
  // CPU-slice thread, timed, after the driver thread is done: true once the GPU rows are visible without any
  // OpenCL call (svm-fine's counter). Mechanisms whose wait is an OpenCL call leave it true.
  virtual bool WaitsOnHost() const { return false; }
  virtual bool HostSeesGpuDone() { return true; }
  // True when Enqueue is a few stores and no OpenCL call (svm-resident): the executing thread runs it itself
  // instead of waking the driver thread, and DriverWait is never called.
  virtual bool EnqueuesOnCaller() const { return false; }
  // A host-waited side (WaitsOnHost) is seen done by the CPU-slice thread only once its own slice is done, so a
  // GPU share that finished first would be recorded at the CPU's end. Where WatchesGpuDone(), the executor's
  // driver thread, on a core of its own, polls GpuDoneNow() from the enqueue on and timestamps the GPU's end
  // itself (Executor::Execute). GpuDoneNow: any thread, timed, no side effect.
  virtual bool WatchesGpuDone() const { return false; }
  virtual bool GpuDoneNow() const { return true; }
  // The calling thread, untimed, after the watcher saw the GPU done at `ns` (steady clock, NowNs): a mechanism
  // whose profile timestamps are the host's own observation (svm-resident) keeps the earlier end.
  virtual void NoteGpuDoneNs(int64_t ns) { (void)ns; }
};

class Mechanism : public GpuSide {
 public:
  // Driver thread, untimed: allocates the device side, uploads W and b once (resident, as a framework holds
  // weights), places X where the mechanism exchanges it (the producer's write), binds the kernel arguments.
  // Keeps `run` for the job.
  virtual void Prepare(LayerRun& run) = 0;
  // Where the CPU slice reads and writes (fixed after Prepare).
  virtual CpuTensors CpuSide() const = 0;
  // The combined output Y after an execution.
  virtual const float* Output() const = 0;
  // Driver thread, untimed: fills Y on both sides with NaN so that the checked execution proves it wrote
  // every element.
  virtual void PoisonOutput() = 0;
  // resolved.hostMemory: how the exchanged tensors move ("pinned-copy", "zero-copy", "svm-coarse-map",
  // "svm-fine-shared", "host" for the CPU-only path).
  virtual std::string HostMemoryPath() const = 0;
  // resolved.gpuSubmit and resolved.gpuSubmitNote: how the timed executions issue their commands
  // (command_buffer.h), fixed by Prepare. Profiled executions always issue calls (they need the kernel's event).
  const GpuSubmitChoice& Submit() const { return submit_; }
  // resolved.gpuStreams: the queues the GPU's share is issued on (sync_streams.cpp), fixed by Prepare.
  virtual int GpuStreams() const { return 1; }
  // resolved.gpuChunkRows: the outer rows of each chunk with more than one stream (empty otherwise).
  virtual std::vector<int> GpuChunkRows() const { return {}; }
  // Profiled executions, after the main kernel's event was read into ts (queued, submit, start, end): a
  // mechanism that runs the main kernel more than once per execution widens start and end to all of them.
  virtual void WidenProfile(std::array<cl_ulong, 4>& ts) { (void)ts; }

 protected:
  GpuSubmitChoice submit_;
};

// Throws std::runtime_error with the reason when the device lacks what the mechanism needs.
std::unique_ptr<Mechanism> MakeMechanism(const std::string& sync, const DeviceCaps& caps);
// finish / event-poll with strategy.gpuStreams > 1 on pinned-copy host memory (sync_streams.cpp).
std::unique_ptr<Mechanism> MakeStreamedMechanism(const Strategy& s);
// gpuRows == 0: the CPU slice alone on host memory, no OpenCL at all.
std::unique_ptr<Mechanism> MakeCpuOnly();

// Empty when `sync` can work on this device by its capabilities, else why not.
std::string MechanismUnsupportedReason(const std::string& sync, const DeviceCaps& caps);

// The minimal kernel launched and waited for with one mechanism (roundtrip.cpp).
class RoundTrip : public GpuSide {
 public:
  RoundTrip(GpuDevice& gpu, const std::string& sync);
  ~RoundTrip() override;
  RoundTrip(const RoundTrip&) = delete;
  RoundTrip& operator=(const RoundTrip&) = delete;
  void SetValue(int value);  // untimed: the value the next execution writes
  void Enqueue(Event* profile) override;
  void DriverWait() override;
  bool WaitsOnHost() const override;
  bool HostSeesGpuDone() override;
  bool EnqueuesOnCaller() const override;
  // svm-resident has no kernel event: fills a profiled execution's timestamps from the host clock as
  // Mechanism::WidenProfile does for it (sync_svm_resident.cpp); the others keep their event's.
  void WidenProfile(std::array<cl_ulong, 4>& ts) const;
  int LastValue();           // untimed: the value the kernel wrote last
  const std::string& buildOptions() const { return options_; }
 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string options_;
};

// Pause iterations before a waiting host thread starts yielding (COEXEC_WAIT_SPINS, default 256).
int WaitSpins();
// event-poll's least time between two status queries of its event, in ns (COEXEC_EVENT_POLL_US, default 0: query
// as fast as the driver answers). Between queries the driver thread only spins (WaitUntil), no driver call.
int64_t EventPollIntervalNs();

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield" ::: "memory");
#endif
}

// Spins with a pause instruction, then yields the core: when the "GPU" is the CPU itself (PoCL), a
// spinning waiter would steal a core from the device's workers.
template <typename Done>
void WaitUntil(Done done) {
  const int spins = WaitSpins();
  for (int i = 0; !done(); ++i) {
    if (i < spins) CpuRelax();
    else sched_yield();
  }
}

// Helpers shared by the mechanism files (sync.cpp).
namespace sync_detail {
std::string Where(const LayerRun& run, const std::string& what);
// event-poll's wait: queries ev's status at most every EventPollIntervalNs() until it is complete; a failed
// command throws. `where` names the call in errors.
void PollUntilComplete(cl_event ev, const std::string& where);
// Sets every launch's arguments: scalars, then tensors through bindTensor (TensorArg::Col is bound here),
// then the completion counter of the main launch when there is one.
void BindArgs(LayerRun& run, const std::function<void(cl_kernel, cl_uint, TensorArg)>& bindTensor, void* counter);
// Extends a profiled execution's kernel end (ts[3]) to the end of the launch after the main kernel, when the
// variant has one (LayerRun::afterMain, EnqueueLaunches), and releases that event.
void EndAfterMain(Event& afterMain, std::array<cl_ulong, 4>& ts);

// Enqueues the variant's launches (or CLBlast); the main launch's event goes to *profile when non-null, and
// with it the last launch's, when it comes after the main one, to run.afterMain.
void EnqueueLaunches(LayerRun& run, Event* profile);
// The command buffer of a mechanism whose per-execution commands can be replayed: chooses the submit path
// (COEXEC_GPU_SUBMIT against the device) into *choice and, for command-buffer, records through `record`
// (which adds its copies around RecordLaunches), finalizes and replays it once (untimed). Null for calls;
// under auto, a device that refuses to record or replay falls back to calls with its reason in choice->note.
std::unique_ptr<CommandBuffer> RecordReplay(LayerRun& run, GpuSubmitChoice* choice,
                                            const std::function<void(CommandBuffer&)>& record);
// Records the variant's launches, in order, into `cb` (not CLBlast: RecordReplay never records it).
void RecordLaunches(LayerRun& run, CommandBuffer& cb);
inline size_t Bytes(size_t floats) { return floats * sizeof(float); }
// svm-fine's memory, which svm-resident shares: X, W, b and Y in fine-grained SVM holding the producer's X, W
// and b (Y zeroed), the completion counter (zeroed) in fine-grained SVM with atomics, and every launch's tensor
// and counter arguments bound to them (sync_svm_fine.cpp). `mechanism` names the buffers in errors.
struct FineSvmMemory {
  SvmBuffer x, w, b, y, counter;
  void Prepare(LayerRun& run, const std::string& mechanism);
  CpuTensors Tensors() const { return {x.as<float>(), w.as<float>(), b.as<float>(), y.as<float>()}; }
};
// svm-resident's epoch buffer for `groups` physical work-groups (fine-grained SVM with atomics): the epoch
// (zero) on the first 64-byte line, then one claim cursor per group on a line of its own, started exhausted
// (zero; native/kernels/common.cl, COEXEC_CURSOR and coexecClaim).
SvmBuffer ResidentEpochBuffer(cl_context ctx, int groups, const std::string& what);
// Copies the runs of a tensor from src to dst (both whole tensors of the same layout), on the host.
void CopyRuns(const TensorRuns& runs, const float* src, float* dst);
// Enqueues the copy of the runs of a whole host tensor into the same place of a device buffer (write) or
// back (read): one plain copy for one run, else one rectangular copy. Non-blocking; nothing for no runs. The
// error context (Where(run, what)) is built only on failure: these calls sit on the timed path.
void EnqueueWriteRuns(const LayerRun& run, cl_command_queue q, cl_mem device, const TensorRuns& runs, const float* host,
                      cl_event* event, const char* what);
void EnqueueReadRuns(const LayerRun& run, cl_command_queue q, cl_mem device, const TensorRuns& runs, float* host,
                     cl_event* event, const char* what);
// Records the same copy between two buffers into a command buffer (buffer-to-buffer: the runs at the same
// offsets of src and dst); one plain copy for one run, else one rectangular copy; nothing for no runs.
void RecordCopyRuns(CommandBuffer& cb, cl_mem src, cl_mem dst, const TensorRuns& runs, const std::string& what);
}  // namespace sync_detail

}  // namespace coexec
