// finish and event-poll with gpuStreams > 1 on pinned-copy host memory: the GPU's share cut into chunks along
// the outer output rows (split.h, MakeShareChunks), each chunk a layer of its own on its own device X and Y,
// issued on its own in-order queue. A discrete GPU has separate copy engines for host -> device and
// device -> host, so chunk c's read-back runs while chunk c + 1 computes and chunk c + 2's input is written;
// on one in-order queue (sync_buffers.cpp) the copies and the kernels of a share follow one another.
//
// Prepare (untimed): W and b resident once (shared by every chunk, as are the packed weights), the pinned X and
// Y as in sync_buffers.cpp, per chunk its X (zero padding rows written once) and Y buffers, its variant plan
// (PlanVariant on the chunk layer: the same program, its own launch geometry), kernels and im2col scratch, and
// the queues: chunk 0 takes the device's queue, chunks 1.. extra in-order queues of the same context (a
// plain and a profiling one each, following GpuDevice's current queue).
// Per execution (driver thread, timed): for c = 0..k-1, on queue c: write the chunk's input rows, its
// kernels, read back its share of Y, flush (so chunk 0 starts while the others are enqueued). No events
// between the queues: the chunks touch disjoint parts of the host Y and their own device buffers.
// The wait: finish: clFinish on every queue; event-poll: spin until each queue's read-back event is complete.
// Command-buffer submission is not used (calls; resolved.gpuSubmitNote says why).
// Profiled executions: every chunk's main kernel carries an event; the timestamps are the earliest queued,
// submit and start and the latest end over the chunks' main kernels (WidenProfile): from the first chunk's
// kernel start to the last chunk's kernel end, copies and helper kernels between them included.
#include <algorithm>
#include <cstring>
#include <limits>

#include "host_memory.h"
#include "sync.h"

namespace coexec {

using namespace sync_detail;

namespace {

class StreamedBufferMechanism : public Mechanism {
 public:
  StreamedBufferMechanism(bool pollEvent, const Strategy& strategy) : pollEvent_(pollEvent), strategy_(strategy) {}

  void Prepare(LayerRun& run) override {
    run_ = &run;
    const Layer& l = *run.layer;
    GpuDevice& gpu = *run.gpu;
    cl_context ctx = gpu.context();
    cl_command_queue q = gpu.queue();
    if (ChooseHostMemory(gpu.caps()) != HostMemory::PinnedCopy)
      throw std::runtime_error("gpuStreams " + std::to_string(strategy_.gpuStreams) +
                               " needs pinned-copy host memory (COEXEC_HOST_MEMORY forces zero-copy)");
    submit_ = ChooseGpuSubmit(gpu, "gpuStreams > 1: each chunk's commands are calls on its own queue");
    cl_int err = CL_SUCCESS;
    auto device = [&](size_t floats, cl_mem_flags flags, const std::string& what) {
      Buffer buf(Cl().clCreateBuffer(ctx, flags, Bytes(floats), nullptr, &err));
      ClCheck(err, "clCreateBuffer", "gpuStreams: buffer " + what);
      return buf;
    };
    w_ = device(l.WCount(), CL_MEM_READ_ONLY, "W");
    b_ = device(l.BCount(), CL_MEM_READ_ONLY, "b");
    COEXEC_CL(Cl().clEnqueueWriteBuffer(q, w_.get(), CL_TRUE, 0, Bytes(l.WCount()), run.W->data(), 0, nullptr, nullptr),
              "gpuStreams: upload W");
    COEXEC_CL(Cl().clEnqueueWriteBuffer(q, b_.get(), CL_TRUE, 0, Bytes(l.BCount()), run.b->data(), 0, nullptr, nullptr),
              "gpuStreams: upload b");
    xHost_ = MappedHostBuffer(ctx, q, Bytes(l.XCount()), "gpuStreams: host X");
    yHost_ = MappedHostBuffer(ctx, q, Bytes(l.YCount()), "gpuStreams: host Y");
    std::memcpy(xHost_.host(), run.X->data(), Bytes(l.XCount()));  // the producer's write
    std::fill(yHost_.host(), yHost_.host() + l.YCount(), 0.0f);

    const std::vector<ShareChunk> shapes = MakeShareChunks(l, strategy_, run.split, strategy_.gpuStreams);
    chunks_.resize(shapes.size());
    for (size_t c = 0; c < shapes.size(); ++c) {
      Chunk& k = chunks_[c];
      k.shape = shapes[c];
      const std::string name = "chunk " + std::to_string(c);
      k.x = device(k.shape.layer.XCount(), CL_MEM_READ_ONLY, name + " X");
      k.y = device(k.shape.layer.YCount(), CL_MEM_READ_WRITE, name + " Y");
      // The zero rows above and below the input (conv2d padding) are written here once; executions write
      // only the input rows.
      const std::vector<float> zeros(k.shape.layer.XCount(), 0.0f);
      COEXEC_CL(Cl().clEnqueueWriteBuffer(q, k.x.get(), CL_TRUE, 0, Bytes(zeros.size()), zeros.data(), 0, nullptr, nullptr),
                "gpuStreams: zero " + name + " X");
      k.plan = PlanVariant(k.shape.layer, k.shape.strategy, k.shape.split, gpu.caps());
      if (k.plan.clblast || k.plan.packTileWidth != run.variant.packTileWidth || k.plan.packBlocked != run.variant.packBlocked)
        throw std::runtime_error("gpuStreams: " + name + " plans its weights differently from the share");
      const auto built = gpu.BuildProgram(k.plan.file, k.plan.knobs, false);
      for (const auto& launch : k.plan.launches) {
        k.kernels.emplace_back(Cl().clCreateKernel(built.program, launch.kernel.c_str(), &err));
        ClCheck(err, "clCreateKernel", "gpuStreams: " + name + " kernel " + launch.kernel);
      }
      if (k.plan.colCount) k.col = device(k.plan.colCount, CL_MEM_READ_WRITE, name + " im2col scratch");
      BindChunk(k, name);
      if (c > 0) {
        k.plain = Queue(Cl().clCreateCommandQueue(ctx, gpu.id(), 0, &err));
        ClCheck(err, "clCreateCommandQueue", "gpuStreams: " + name + " plain queue");
        k.profiling = Queue(Cl().clCreateCommandQueue(ctx, gpu.id(), CL_QUEUE_PROFILING_ENABLE, &err));
        ClCheck(err, "clCreateCommandQueue", "gpuStreams: " + name + " profiling queue");
      }
    }
    COEXEC_CL(Cl().clFinish(q), "gpuStreams: prepare");
  }

  int GpuStreams() const override { return static_cast<int>(chunks_.size()); }
  std::vector<int> GpuChunkRows() const override {
    std::vector<int> rows;
    for (const Chunk& k : chunks_) rows.push_back(k.shape.outerEnd - k.shape.outerBegin);
    return rows;
  }

  void Enqueue(Event* profile) override {
    for (size_t c = 0; c < chunks_.size(); ++c) {
      Chunk& k = chunks_[c];
      cl_command_queue q = QueueOf(c);
      EnqueueBlock(true, q, k.x.get(), k.shape.x, xHost_.host(), nullptr, "gpuStreams: write X");
      for (size_t i = 0; i < k.plan.launches.size(); ++i) {
        const auto& L = k.plan.launches[i];
        cl_event* ev = nullptr;
        if (L.main && profile) ev = c == 0 ? profile->out() : k.profiled.out();
        // A launch after the main one (split-K's sum): the kernel time runs to its end.
        if (profile && i + 1 == k.plan.launches.size() && RunsAfterMain(k.plan, i)) ev = k.afterMain.out();
        const cl_int code = Cl().clEnqueueNDRangeKernel(q, k.kernels[i].get(), L.dims, nullptr, L.global, L.local, 0,
                                                        nullptr, ev);
        if (code != CL_SUCCESS) ClCheck(code, "clEnqueueNDRangeKernel", "gpuStreams: chunk " + std::to_string(c) + " " + L.kernel);
      }
      EnqueueBlock(false, q, k.y.get(), k.shape.y, yHost_.host(), pollEvent_ ? k.last.out() : nullptr,
                   "gpuStreams: read back Y");
      COEXEC_CL(Cl().clFlush(q), "gpuStreams: flush");
    }
  }

  void DriverWait() override {
    if (!pollEvent_) {
      for (size_t c = 0; c < chunks_.size(); ++c) COEXEC_CL(Cl().clFinish(QueueOf(c)), "gpuStreams: clFinish");
      return;
    }
    for (Chunk& k : chunks_) PollUntilComplete(k.last.get(), "gpuStreams: poll event");
  }

  void WidenProfile(std::array<cl_ulong, 4>& ts) override {
    for (Chunk& k : chunks_) EndAfterMain(k.afterMain, ts);
    for (size_t c = 1; c < chunks_.size(); ++c) {
      Event& e = chunks_[c].profiled;
      if (!e) continue;
      cl_event ev = e.get();
      COEXEC_CL(Cl().clWaitForEvents(1, &ev), "gpuStreams: wait for a chunk's kernel");
      const cl_profiling_info what[4] = {CL_PROFILING_COMMAND_QUEUED, CL_PROFILING_COMMAND_SUBMIT,
                                         CL_PROFILING_COMMAND_START, CL_PROFILING_COMMAND_END};
      for (int i = 0; i < 4; ++i) {
        cl_ulong t = 0;
        COEXEC_CL(Cl().clGetEventProfilingInfo(ev, what[i], sizeof t, &t, nullptr), "gpuStreams: profiling info");
        ts[i] = i < 3 ? std::min(ts[i], t) : std::max(ts[i], t);
      }
      e.Reset();
    }
  }

  CpuTensors CpuSide() const override { return {xHost_.host(), run_->W->data(), run_->b->data(), yHost_.host()}; }
  const float* Output() const override { return yHost_.host(); }

  void PoisonOutput() override {
    for (size_t c = 0; c < chunks_.size(); ++c) COEXEC_CL(Cl().clFinish(QueueOf(c)), "poison Y");
    cl_command_queue q = run_->gpu->queue();
    float* y = yHost_.host();
    std::fill(y, y + run_->layer->YCount(), std::numeric_limits<float>::quiet_NaN());
    for (Chunk& k : chunks_) {
      const std::vector<float> nan(k.shape.layer.YCount(), std::numeric_limits<float>::quiet_NaN());
      COEXEC_CL(Cl().clEnqueueWriteBuffer(q, k.y.get(), CL_TRUE, 0, Bytes(nan.size()), nan.data(), 0, nullptr, nullptr),
                "gpuStreams: poison Y");
    }
  }

  std::string HostMemoryPath() const override { return HostMemoryName(HostMemory::PinnedCopy); }

 private:
  struct Chunk {
    ShareChunk shape;
    VariantPlan plan;
    std::vector<Kernel> kernels;
    Buffer x, y, col;
    Queue plain, profiling;  // chunks 1..: their own queues (chunk 0 uses the device's)
    Event last;              // event-poll: the read-back
    Event profiled;          // profiled executions, chunks 1..: the main kernel
    Event afterMain;         // profiled executions: the launch after the main kernel, if any (EndAfterMain)
  };

  // Chunk c's queue: the device's current queue for chunk 0, else the chunk's queue of the same kind.
  cl_command_queue QueueOf(size_t c) const {
    GpuDevice& gpu = *run_->gpu;
    if (c == 0) return gpu.queue();
    return gpu.queue() == gpu.profilingQueue() ? chunks_[c].profiling.get() : chunks_[c].plain.get();
  }

  void BindChunk(Chunk& k, const std::string& name) {
    for (size_t i = 0; i < k.plan.launches.size(); ++i) {
      const auto& L = k.plan.launches[i];
      cl_kernel kernel = k.kernels[i].get();
      cl_uint a = 0;
      for (int v : L.scalars) COEXEC_CL(Cl().clSetKernelArg(kernel, a++, sizeof(int), &v), "gpuStreams: " + name + " argument");
      for (TensorArg t : L.tensors) {
        cl_mem m = t == TensorArg::X ? k.x.get() : t == TensorArg::W ? w_.get() : t == TensorArg::B ? b_.get()
                 : t == TensorArg::Y ? k.y.get() : t == TensorArg::Col ? k.col.get() : run_->packedW.get();
        COEXEC_CL(Cl().clSetKernelArg(kernel, a++, sizeof(cl_mem), &m), "gpuStreams: " + name + " buffer argument");
      }
    }
  }

  // One non-blocking copy of a block between the whole host tensor and a chunk's buffer; the error context
  // is built only on failure (timed path).
  static void EnqueueBlock(bool toDevice, cl_command_queue q, cl_mem device, const BlockCopy& b, float* host,
                           cl_event* event, const char* what) {
    if (b.Empty()) return;
    cl_int code;
    if (b.rows == 1 && b.slices == 1) {
      const size_t offset = Bytes(b.deviceFirst), bytes = Bytes(b.length);
      float* at = host + b.hostFirst;
      code = toDevice ? Cl().clEnqueueWriteBuffer(q, device, CL_FALSE, offset, bytes, at, 0, nullptr, event)
                      : Cl().clEnqueueReadBuffer(q, device, CL_FALSE, offset, bytes, at, 0, nullptr, event);
    } else {
      const size_t bufferOrigin[3] = {Bytes(b.deviceFirst), 0, 0}, hostOrigin[3] = {Bytes(b.hostFirst), 0, 0};
      const size_t region[3] = {Bytes(b.length), b.rows, b.slices};
      const size_t bRow = Bytes(b.deviceRowPitch), bSlice = Bytes(b.deviceSlicePitch);
      const size_t hRow = Bytes(b.hostRowPitch), hSlice = Bytes(b.hostSlicePitch);
      code = toDevice ? Cl().clEnqueueWriteBufferRect(q, device, CL_FALSE, bufferOrigin, hostOrigin, region, bRow, bSlice,
                                                      hRow, hSlice, host, 0, nullptr, event)
                      : Cl().clEnqueueReadBufferRect(q, device, CL_FALSE, bufferOrigin, hostOrigin, region, bRow, bSlice,
                                                     hRow, hSlice, host, 0, nullptr, event);
    }
    if (code != CL_SUCCESS) ClCheck(code, toDevice ? "clEnqueueWriteBufferRect" : "clEnqueueReadBufferRect", what);
  }

  const bool pollEvent_;
  const Strategy strategy_;
  LayerRun* run_ = nullptr;
  Buffer w_, b_;
  MappedHostBuffer xHost_, yHost_;
  std::vector<Chunk> chunks_;
};

}  // namespace

std::unique_ptr<Mechanism> MakeStreamedMechanism(const Strategy& s) {
  return std::make_unique<StreamedBufferMechanism>(s.sync == "event-poll", s);
}

}  // namespace coexec
