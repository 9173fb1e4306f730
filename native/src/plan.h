// plan.json as the engine reads it (docs/contract.md section 3): typed jobs, and the validator that turns
// any problem into one PlanError naming the job (index and id) and the field, before anything runs.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu/cpu_layers.h"
#include "json.h"

namespace coexec {

struct PlanError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Layer {
  bool conv = false;
  LinearShape linear;
  ConvShape conv2d;
  Json json;  // as given in the plan, echoed into results

  int Out() const { return conv ? conv2d.F : linear.N; }       // the split dimension
  int ReductionLength() const { return conv ? conv2d.C * conv2d.R * conv2d.S : linear.K; }
  size_t XCount() const;
  size_t WCount() const;
  size_t BCount() const { return static_cast<size_t>(Out()); }
  size_t YCount() const;
  size_t YRowStride() const;  // floats between output rows f and f+1 inside one m / batch image
  size_t YOuter() const;      // M (linear) or batch (conv): how many blocks of Out() rows Y has
  std::string Id() const;     // docs/contract.md section 1
};

constexpr int kMaxGpuStreams = 64;  // strategy.gpuStreams at most

struct Strategy {
  double splitRatio = 0;
  int granularity = 1;
  int cpuThreads = 1;
  std::string cpuImpl;
  std::string gpuVariant;
  int gpuWorkGroup = 64;
  std::string sync;
  // The split dimension (split.h): "channels" | "height" (conv2d), "n" | "m" (linear); empty when the plan
  // leaves it out, which means the default ("channels" / "n").
  std::string splitDim;
  // GPU streams (sync_streams.cpp): > 1 cuts the GPU's share into that many chunks along the outer output rows
  // (M or the output height P), each written, computed and read back on its own in-order queue, so that the
  // copies of one chunk overlap the kernels of another. 1 (the default): one queue, today's commands.
  int gpuStreams = 1;
  Json json;

  // docs/contract.md section 2: CPU rows are a multiple of granularity; exactly 0 / 1 give 0 / OUT.
  int CpuRows(int out) const;
  // True for "height" and "m": the split runs along output rows (P or M), not channels (F or N).
  bool SplitsOuter() const { return splitDim == "height" || splitDim == "m"; }
  // The size of the split dimension on this layer: F, P, N or M.
  int SplitExtent(const Layer& layer) const;
};

// The split dimensions a layer kind accepts, the default first.
const std::vector<std::string>& SplitDimNames(bool conv);

// kind "copy": one host <-> device copy of `bytes`, from/to pinned (ALLOC_HOST_PTR, mapped once) or
// pageable host memory (copy_side.h), cut into `queues` equal parts on as many in-order queues.
struct CopySpec {
  int bytes = 0;
  std::string direction;   // "host-to-device" | "device-to-host"
  std::string hostMemory;  // "pinned" | "pageable"
  int queues = 1;          // > 1: part c of the copy on queue c, so that the device's copy engines overlap
};

struct Job {
  std::string id;
  std::string kind;  // "layer" | "roundtrip" | "copy"
  CopySpec copy;     // kind == "copy" only
  Layer layer;       // kind == "layer" only
  Strategy strategy;
  int warmup = 3;
  int minSamples = 10, maxSamples = 200;
  double minTimeMs = 50, maxTimeMs = 2000;
  // When set: once the minimum is met, keep sampling until the 95% CI half-width of the median (in % of the
  // median, see stats.h) is at most this, or a maximum is reached.
  std::optional<double> targetMedianCiPct;
  uint64_t seed = 1;
};

struct DeviceSelector {
  std::string platformContains, deviceContains;
  std::string deviceType = "gpu-or-cpu";  // "gpu" | "cpu" | "gpu-or-cpu"
};

struct Plan {
  std::string planId;
  DeviceSelector device;
  std::vector<int> cpuAffinity;
  // The core of the GPU-driver thread (executor.h), which issues every OpenCL call of a timed execution; the
  // platform reserves it for that thread and the driver's own threads. Absent: the driver thread is not
  // pinned (the OS places it, possibly on a CPU-slice core).
  std::optional<int> driverCore;
  std::vector<int> deviceCores;  // a CPU OpenCL device's cores (PoCL pinned); empty: unknown, any core
  // Jobs that use the device keep deviceCores (except driverCore) awake with idle-priority spinners
  // (awake_cores.h, job.cpp CoresToKeepAwake); requires deviceCores.
  bool keepDeviceCoresAwake = false;
  std::vector<Job> jobs;
};

// Names the engine accepts.
const std::vector<std::string>& SyncNames();
const std::vector<std::string>& GpuVariantNames(bool conv);
bool IsTiledVariant(const std::string& variant);  // gpuWorkGroup is the tile edge TS (work-group TS x TS)

// Register-tiled variants carry their knobs in the id: "<kernel>_v<VW>[x<VN>]_<m|q><tile>", e.g.
// linear_reg_v16_m8 (kernel linear_reg, one float16 = 16 features per work-item, RM = 8 rows) or
// conv_reg_v8x2_q4 (two float8 = 16 channels, RQ = 4 output positions). docs/contract.md section 2.
struct RegTileVariant {
  std::string kernel;  // linear_reg | gemv_reg | conv_reg | conv_reg_1x1 | conv_pq_1x1 | conv_pq
  int vectorWidth = 0; // VW: 4, 8 or 16
  int vectors = 1;     // VN: vectors per work-item along the split dimension, 1, 2 or 4 ("x2", "x4" in the id)
  int tile = 0;        // RM (linear) or RQ (conv): 1, 2, 4, 8 or 16; RN (gemv_reg) or RF (conv_pq_1x1, conv_pq)
  // Whether the tile knob runs along the split dimension (features n, channels f) and the vectors along the
  // other one (K for gemv_reg, positions pq for conv_pq_1x1, output columns q and rows p for conv_pq).
  bool TileAlongSplit() const { return kernel == "gemv_reg" || kernel == "conv_pq_1x1" || kernel == "conv_pq"; }
  // Features / channels per work-item: the split dimension's block, and the packed weights' tile width.
  int TileWidth() const { return TileAlongSplit() ? tile : vectorWidth * vectors; }
};
// The parsed id when `variant` is a register-tiled variant for this layer kind, else nullopt.
std::optional<RegTileVariant> ParseRegTileVariant(const std::string& variant, bool conv);
const std::vector<int>& RegTileVectorWidths();
const std::vector<int>& RegTileVectorCounts();
const std::vector<int>& RegTileSizes();
// The kernels of the register-tiled family for a layer kind, and the letter of their tile knob.
const std::vector<std::string>& RegTileKernels(bool conv);
std::string RegTileVariantId(const std::string& kernel, int vectorWidth, int vectors, int tile);
// The tile knob of a register-tiled kernel: RM (linear_reg), RN (gemv_reg), RQ (conv_reg, conv_reg_1x1) or RF
// (conv_pq_1x1, conv_pq); its second letter, lower-case, is the id's ("_m8", "_n4", "_q8", "_f8").
std::string RegTileKnobName(const std::string& kernel);

// Local-memory tiled variants (native/kernels/gemm_local.cl) carry their tile in the id,
// "<kernel>_<MWG>x<NWG>x<KWG>_<MWI>x<NWI>", e.g. gemm_local_64x64x16_4x4: a work-group computes MWG rows x NWG
// columns of Y (columns: Y's contiguous dimension, features n or output positions pq; rows: m or channels f)
// in steps of KWG staged in local memory, each work-item an MWI x NWI register tile. docs/contract.md section 2.
// The split-K kernels (gemm_splitk, conv_splitk): gemm_local / conv_local with the reduction in KSPLIT parts,
// then a sum kernel after the layer kernel (their ids end in "_s<splits>").
inline bool IsSplitKKernel(const std::string& kernel) { return kernel == "gemm_splitk" || kernel == "conv_splitk"; }
struct LocalTileVariant {
  std::string kernel;  // gemm_local | gemm_splitk | conv_local | conv_local_im2col | conv_splitk
  int mwg = 0, nwg = 0, kwg = 0, mwi = 0, nwi = 0;
  int splits = 1;  // split-K: parts of the reduction (KSPLIT; the id's "_s<splits>"), 1 for the others
  bool SplitK() const { return IsSplitKKernel(kernel); }
  int WorkGroupRows() const { return mwg / mwi; }     // MDIMC (local size, dimension 1)
  int WorkGroupColumns() const { return nwg / nwi; }  // NDIMC (local size, dimension 0)
  int WorkGroupSize() const { return WorkGroupRows() * WorkGroupColumns(); }
};
const std::vector<std::string>& LocalTileKernels(bool conv);
std::string LocalTileVariantId(const LocalTileVariant& v);
// The parsed id when `variant` is a local-tiled variant for this layer kind with knobs in range (tile sizes
// in {16, 32, 64, 128}, KWG in {8, 16, 32}, MWI and NWI in {1, 2, 4, 8} and at most the tile, 16 to 1024
// work-items, KWG * NWG at least the work-items; split-K: "_s<splits>" after the tile, splits in
// kLocalTileSplits), else nullopt; *why (when given) says what is out of range.
std::optional<LocalTileVariant> ParseLocalTileVariant(const std::string& variant, bool conv, std::string* why = nullptr);
// The tile configurations `coexec-engine info` lists for each local-tiled kernel (the parser accepts every
// in-range id; this is the shortlist worth screening on a GPU).
const std::vector<LocalTileVariant>& LocalTileShortlist(bool conv);
// The split-K kernels' reduction parts (KSPLIT).
const std::vector<int>& LocalTileSplits();

Plan ParsePlan(const Json& doc);  // throws PlanError
Layer ParseLayer(const Json& j, const std::string& where);

// Strategy id of docs/contract.md section 2 (used by bench when no id is given).
std::string StrategyId(const Layer& layer, const Strategy& s);

}  // namespace coexec
