// Helper of native/tests/run.sh (C++ so the suite needs nothing beyond the engine's own toolchain):
//   coexec-test-tool sweep OUT.json [--small]     writes the correctness sweep plan and OUT.json.expect
//   coexec-test-tool streams OUT.json [--small]   the same for gpuStreams 1..5 (sync_streams.cpp)
//   coexec-test-tool check PLAN.json RESULTS.jsonl prints FAIL lines, then "COUNTS <passed> <failed>"
//   coexec-test-tool info INFO.json               checks the info document (exit 1 with the reason)
//   coexec-test-tool variants INFO.json           checks its layers catalog and prints kind, side and id per line
//   coexec-test-tool npy DIR                      recomputes Y.npy from X.npy, W.npy, b.npy (linear)
//   coexec-test-tool median-ci                    the engine's median CI against the harness's numbers
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "host_steal.h"
#include "json.h"
#include "stats.h"

using coexec::CpuTicks;
using coexec::Json;
using coexec::ParseCpuTicks;
using coexec::ReadCpuTicks;
using coexec::StealPct;

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void Spit(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}

// Writes a generated plan (any device, no pinning) to `out` and the expected status per job id to
// `out`.expect; prints the job count for run.sh.
int WritePlan(const std::string& out, const std::string& planId, const Json& jobs, const Json& expect) {
  Json plan = Json::Object().Set("schemaVersion", 1).Set("planId", planId)
                  .Set("device", Json::Object().Set("deviceType", "gpu-or-cpu")).Set("cpuAffinity", Json::Array())
                  .Set("jobs", jobs);
  Spit(out, plan.Dump());
  Spit(out + ".expect", expect.Dump());
  std::printf("%zu\n", jobs.Items().size());
  return 0;
}

Json Linear(int M, int N, int K) { return Json::Object().Set("type", "linear").Set("M", M).Set("N", N).Set("K", K); }
Json Conv(int b, int C, int H, int W, int F, int R, int S, int sh, int sw, int ph, int pw) {
  return Json::Object().Set("type", "conv2d").Set("batch", b).Set("C", C).Set("H", H).Set("W", W).Set("F", F)
      .Set("R", R).Set("S", S).Set("strideH", sh).Set("strideW", sw).Set("padH", ph).Set("padW", pw);
}

int I(const Json& l, const char* k) { return static_cast<int>(l.Find(k)->AsInt()); }

std::string LayerId(const Json& l) {
  if (l.Find("type")->AsString() == "linear")
    return "linear/M:" + std::to_string(I(l, "M")) + "/N:" + std::to_string(I(l, "N")) + "/K:" + std::to_string(I(l, "K"));
  char b[256];
  std::snprintf(b, sizeof b, "conv2d/B:%d/C:%d/H:%d/W:%d/F:%d/R:%d/S:%d/st:%dx%d/pad:%dx%d", I(l, "batch"), I(l, "C"),
                I(l, "H"), I(l, "W"), I(l, "F"), I(l, "R"), I(l, "S"), I(l, "strideH"), I(l, "strideW"), I(l, "padH"),
                I(l, "padW"));
  return b;
}

Json LayerJob(const Json& layer, double ratio, const std::string& cpu, const std::string& gpu, int wg,
              const std::string& sync, const std::string& splitDim = "") {
  char r[16];
  std::snprintf(r, sizeof r, "%.2f", ratio);
  std::string id = LayerId(layer) + "/r:" + r + (splitDim.empty() ? "" : "/split:" + splitDim) + "/t:2/cpu:" + cpu +
                   "/gpu:" + gpu + "-wg" + std::to_string(wg) + "/sync:" + sync;
  Json s = Json::Object().Set("splitRatio", ratio).Set("granularity", 1).Set("cpuThreads", 2).Set("cpuImpl", cpu)
               .Set("gpuVariant", gpu).Set("gpuWorkGroup", wg).Set("sync", sync);
  if (!splitDim.empty()) s.Set("splitDim", splitDim);
  return Json::Object().Set("id", id).Set("kind", "layer").Set("layer", layer).Set("strategy", s).Set("warmup", 1)
      .Set("minSamples", 2).Set("minTimeMs", 0).Set("maxSamples", 3).Set("maxTimeMs", 1000).Set("seed", 11);
}

// The same job with strategy.gpuStreams k (the id gains "/streams:k" when k != 1, as StrategyId does).
Json WithStreams(Json job, int k) {
  if (k == 1) return job;
  job.Set("id", job.Find("id")->AsString() + "/streams:" + std::to_string(k));
  Json s = *job.Find("strategy");
  s.Set("gpuStreams", k);
  job.Set("strategy", s);
  return job;
}

// gemm_splitk_* and conv_splitk_*: a sum kernel runs after the layer kernel.
bool IsSplitK(const std::string& gpu) { return gpu.find("_splitk_") != std::string::npos; }

// What a job must end as: "skipped" where a variant must refuse the shape, "error" for CLBlast on SVM.
std::string Expected(const Json& layer, const std::string& gpu, double ratio, const std::string& sync,
                     const std::string& splitDim = "") {
  if (ratio >= 1) return "ok";
  if (gpu == "clblast" && sync.rfind("svm", 0) == 0) return "error";
  if (gpu == "clblast" && splitDim == "height") return "skipped";  // Sconvgemm writes whole planes
  // One resident kernel per job: the variants with helper kernels before theirs are skipped.
  if (sync == "svm-resident" && (gpu == "conv_im2col_gemm" || gpu.rfind("conv_pq_v", 0) == 0 ||
                                 gpu.rfind("conv_local_im2col", 0) == 0 || IsSplitK(gpu)))
    return "skipped";
  // A helper kernel after the layer kernel (split-K's sum): svm-fine's counter would signal before it.
  if (sync == "svm-fine" && IsSplitK(gpu)) return "skipped";
  if (gpu == "conv_1x1_gemm" || gpu.rfind("conv_reg_1x1", 0) == 0 || gpu.rfind("conv_pq_1x1", 0) == 0) {
    bool oneByOne = I(layer, "R") == 1 && I(layer, "S") == 1 && I(layer, "strideH") == 1 && I(layer, "strideW") == 1 &&
                    I(layer, "padH") == 0 && I(layer, "padW") == 0;
    if (!oneByOne) return "skipped";
  }
  if (gpu.rfind("conv_pq_v", 0) == 0 && I(layer, "strideW") != 1) return "skipped";  // vectors along q need stride 1
  return "ok";
}

struct Variant {
  std::string name;
  std::vector<int> wgs;
};

int Sweep(const std::string& out, bool small) {
  // Awkward on purpose: primes, N not a multiple of any tile, M > 1, R != S, stride 2, padding, batch 2, 1x1.
  std::vector<Json> linear = {Linear(1, 37, 53), Linear(3, 29, 67), Linear(5, 17, 128)};
  std::vector<Json> conv = {Conv(1, 3, 11, 9, 13, 3, 2, 2, 1, 1, 2), Conv(2, 4, 7, 7, 7, 3, 3, 1, 2, 1, 1),
                            Conv(2, 5, 6, 5, 11, 1, 1, 1, 1, 0, 0)};
  // Tile boundaries of the register-tiled variants: at ratio 0.33 / 0.25 the GPU gets exactly 32 / 24
  // rows (a multiple of VW 4 and 8, and of 16 or not), at 0.37 a ragged count; M = 9 and Q = 10 leave
  // row / column tails; R != S with padding on one side only; a 1x1 whose H * W is not a tile multiple.
  std::vector<Json> linearEdges = {Linear(9, 48, 33)};
  std::vector<Json> convEdges = {Conv(1, 6, 9, 10, 32, 2, 3, 1, 1, 0, 1), Conv(1, 7, 5, 7, 32, 1, 1, 1, 1, 0, 0)};
  if (small) {
    linear.resize(2);
    conv.erase(conv.begin());
  }
  const std::vector<Variant> linearGpu = {{"gemv_row", {8, 32}}, {"gemv_row4", {8, 32}}, {"gemv_rows", {8, 32}}, {"gemv_vec4", {8, 64}}, {"gemm_tiled", {4, 16}}, {"clblast", {64}},
                                          {"linear_reg_v4_m2", {1, 8}}, {"linear_reg_v16_m8", {1}}, {"linear_reg_v8_m1", {4}}, {"linear_reg_v4x2_m4", {2}}, {"linear_reg_v16x2_m2", {1}},
                                          {"linear_reg_v4x4_m2", {1}}, {"linear_reg_v8x4_m1", {2}},
                                          {"gemv_reg_v8_n4", {1, 8}}, {"gemv_reg_v16x2_n1", {2}}, {"gemv_reg_v4x4_n8", {1}}, {"gemv_reg_v4_n16", {1}},
                                          {"gemm_local_16x64x16_2x4", {1}}, {"gemm_local_64x64x8_8x8", {1}}, {"gemm_local_32x16x32_1x1", {1}},
                                          // split-K: parts that end inside a step of KWG, parts past the reduction (s16 on K of 33-128)
                                          {"gemm_splitk_16x64x16_2x4_s2", {1}}, {"gemm_splitk_32x16x8_4x2_s16", {1}}};
  const std::vector<Variant> convGpu = {{"conv_direct", {8, 64}}, {"conv_im2col_gemm", {4, 16}}, {"conv_1x1_gemm", {4, 8}},
                                        {"conv_reg_v4_q2", {1, 16}}, {"conv_reg_v16_q8", {1}}, {"conv_reg_v8_q1", {4}}, {"conv_reg_v4x2_q4", {2}}, {"conv_reg_v16x2_q2", {1}},
                                        {"conv_reg_1x1_v8_q4", {1, 8}}, {"conv_reg_1x1_v16_q1", {2}}, {"conv_reg_1x1_v8x2_q8", {1}},
                                        {"conv_reg_v4x4_q4", {1}}, {"conv_reg_v8x4_q2", {2}}, {"conv_reg_1x1_v4x4_q4", {1}},
                                        {"conv_reg_v4_q16", {1}}, {"clblast", {64}},
                                        {"conv_pq_1x1_v4_f4", {1, 8}}, {"conv_pq_1x1_v8x2_f8", {1}}, {"conv_pq_1x1_v16_f1", {2}}, {"conv_pq_1x1_v4x4_f16", {1}},
                                        {"conv_pq_v4_f4", {1, 8}}, {"conv_pq_v8x2_f8", {1}}, {"conv_pq_v16_f1", {2}}, {"conv_pq_v4x4_f16", {1}},
                                        {"conv_pq_v8x2_f4", {1}},
                                        {"conv_local_16x64x16_2x4", {1}}, {"conv_local_64x32x8_8x2", {1}}, {"conv_local_im2col_32x32x16_4x4", {1}},
                                        // split-K: parts that end inside a step of KWG, parts past the reduction (s16 on C*R*S of 5-36)
                                        {"conv_splitk_32x16x16_4x2_s2", {1}}, {"conv_splitk_16x64x8_2x4_s16", {1}}};
  // The register-tiled variant every mechanism is checked with (svm-fine: per-work-group counter).
  const std::string linearReg = "linear_reg_v8_m4", convReg = "conv_reg_v8_q4", convReg1x1 = "conv_reg_1x1_v4_q8";
  // The kernels whose tile runs along the split dimension (gemv_reg, conv_pq_1x1), checked the same way.
  // conv_pq (any filter, stride 1 along the width; VN = 2 rows so that tiles straddle the height split) on
  // every conv shape: it refuses the stride-2-wide ones.
  const std::string gemvReg = "gemv_reg_v4_n4", convPq = "conv_pq_1x1_v4_f4", convPqK = "conv_pq_v4x2_f4";
  auto regsFor = [&](int kind, const Json& layer) -> std::vector<std::string> {
    if (!kind) return {linearReg, gemvReg};
    if (I(layer, "R") == 1 && I(layer, "padH") == 0) return {convReg1x1, convPq, convPqK};
    return {convReg, convPqK};
  };
  const std::vector<std::string> linearCpu = {"simd", "openblas"}, convCpu = {"simd-im2col", "simd-direct", "simd-flat", "openblas-im2col"};
  const std::vector<std::string> syncs = {"finish", "event-poll", "svm-coarse", "svm-fine", "svm-resident"};

  Json jobs = Json::Array(), expect = Json::Object();
  std::set<std::string> seen;
  auto add = [&](Json j, const std::string& status) {
    std::string id = j.Find("id")->AsString();
    if (!seen.insert(id).second) return;
    expect.Set(id, status);
    jobs.Push(std::move(j));
  };
  for (int kind = 0; kind < 2; ++kind) {
    const auto& shapes = kind ? conv : linear;
    const auto& cpus = kind ? convCpu : linearCpu;
    const auto& gpus = kind ? convGpu : linearGpu;
    for (const Json& layer : shapes) {
      for (const auto& cpu : cpus) {  // every CPU implementation alone (split 1) and sharing (0.37)
        add(LayerJob(layer, 1.0, cpu, gpus[0].name, gpus[0].wgs[0], "finish"), "ok");
        if (!small) add(LayerJob(layer, 0.37, cpu, gpus[0].name, gpus[0].wgs[0], "finish"), "ok");
      }
      for (const auto& g : gpus) {  // every GPU variant and work-group alone (0) and co-executed (0.37)
        for (size_t w = 0; w < (small ? 1 : g.wgs.size()); ++w) {
          for (double ratio : {0.0, 0.37}) {
            add(LayerJob(layer, ratio, cpus[0], g.name, g.wgs[w], "finish"), Expected(layer, g.name, ratio, "finish"));
          }
        }
      }
      for (const auto& sync : syncs) {  // every mechanism, co-executed and GPU only, checked
        add(LayerJob(layer, 0.37, cpus[0], gpus[1].name, gpus[1].wgs[0], sync), Expected(layer, gpus[1].name, 0.37, sync));
        if (!small)
          add(LayerJob(layer, 0.0, cpus[0], gpus[2].name, gpus[2].wgs[0], sync), Expected(layer, gpus[2].name, 0.0, sync));
      }
      for (const auto& sync : syncs) {  // the register-tiled kernels with every mechanism
        for (const std::string& reg : regsFor(kind, layer)) {
          add(LayerJob(layer, 0.37, cpus[0], reg, 2, sync), Expected(layer, reg, 0.37, sync));
          if (!small) add(LayerJob(layer, 0.0, cpus[0], reg, 1, sync), Expected(layer, reg, 0.0, sync));
        }
      }
      for (const auto& sync : syncs) {  // the local-tiled kernels (gemm_local.cl) with every mechanism
        const std::string local = kind ? "conv_local_32x32x16_4x4" : "gemm_local_32x32x16_4x4";
        add(LayerJob(layer, 0.37, cpus[0], local, 1, sync), Expected(layer, local, 0.37, sync));
        const std::string splitK = kind ? "conv_splitk_32x32x16_4x4_s4" : "gemm_splitk_32x32x16_4x4_s4";
        add(LayerJob(layer, 0.37, cpus[0], splitK, 1, sync), Expected(layer, splitK, 0.37, sync));
      }
      if (!small) {
        for (const char* sync : {"event-poll", "svm-fine"})
          add(LayerJob(layer, 0.37, cpus[0], "clblast", 64, sync), Expected(layer, "clblast", 0.37, sync));
      }
    }
  }
  for (int kind = 0; kind < 2 && !small; ++kind) {  // every register-tiled variant at the tile boundaries
    for (const Json& layer : kind ? convEdges : linearEdges) {
      for (const auto& g : kind ? convGpu : linearGpu) {
        if (g.name.find("_reg") == std::string::npos && g.name.find("_local") == std::string::npos &&
            g.name.find("_pq_") == std::string::npos && !IsSplitK(g.name))  // conv_pq_1x1_* and conv_pq_v*
          continue;
        for (double ratio : {0.0, 0.25, 0.33, 0.37})
          add(LayerJob(layer, ratio, kind ? convCpu[0] : linearCpu[0], g.name, g.wgs[0], ratio == 0.25 ? "svm-fine" : "finish"),
              Expected(layer, g.name, ratio, ratio == 0.25 ? "svm-fine" : "finish"));
      }
    }
  }
  // Splits along the output height (conv2d) and along M (linear): every GPU variant at the first, middle and
  // last row boundary, every mechanism, every CPU implementation on its window; on `halo` every boundary.
  // Shapes: stride 2 with R != S and padding, batch 2 with stride 2 across, a 1x1 (pq tiles of the GEMM and
  // conv_reg_1x1 ragged), R = 2 with padding only on the sides, and R = 5 / stride 3 / pad 2 whose halo
  // rows overlap and reach into the padding at both ends.
  {
    const Json halo = Conv(1, 3, 12, 8, 5, 5, 3, 3, 1, 2, 1);
    std::vector<Json> heightShapes = {Conv(1, 3, 11, 9, 13, 3, 2, 2, 1, 1, 2), Conv(2, 4, 7, 7, 7, 3, 3, 1, 2, 1, 1),
                                      Conv(2, 5, 6, 5, 11, 1, 1, 1, 1, 0, 0), Conv(1, 7, 5, 7, 32, 1, 1, 1, 1, 0, 0),
                                      Conv(1, 6, 9, 10, 32, 2, 3, 1, 1, 0, 1), halo};
    std::vector<Json> mShapes = {Linear(3, 29, 67), Linear(9, 48, 33), Linear(5, 17, 128)};
    if (small) {
      heightShapes = {Conv(2, 4, 7, 7, 7, 3, 3, 1, 2, 1, 1), halo};
      mShapes = {Linear(3, 29, 67)};
    }
    auto P = [](const Json& l) { return (I(l, "H") + 2 * I(l, "padH") - I(l, "R")) / I(l, "strideH") + 1; };
    for (int kind = 0; kind < 2; ++kind) {
      const std::string dim = kind ? "height" : "m";
      const auto& cpus = kind ? convCpu : linearCpu;
      const auto& gpus = kind ? convGpu : linearGpu;
      for (const Json& layer : kind ? heightShapes : mShapes) {
        const int rows = kind ? P(layer) : I(layer, "M");
        // Ratios that give exactly k CPU rows (k / rows, rounding back to k).
        auto ratioFor = [rows](int k) { return static_cast<double>(k) / rows; };
        std::set<int> bounds = {1, rows / 2, rows - 1};
        if (LayerId(layer) == LayerId(halo))
          for (int k = 1; k < rows; ++k) bounds.insert(k);
        for (const auto& g : gpus)
          for (int k : small ? std::set<int>{rows / 2} : bounds)
            add(LayerJob(layer, ratioFor(k), cpus[0], g.name, g.wgs[0], "finish", dim),
                Expected(layer, g.name, ratioFor(k), "finish", dim));
        const std::vector<std::string> regs = regsFor(kind, layer);
        const std::string local = kind ? "conv_local_32x32x16_4x4" : "gemm_local_32x32x16_4x4";
        std::vector<std::string> checked = {gpus[0].name, local};
        checked.insert(checked.end(), regs.begin(), regs.end());
        for (const auto& sync : syncs)
          for (const std::string& gpu : checked)
            for (int k : small ? std::set<int>{1} : bounds)
              add(LayerJob(layer, ratioFor(k), cpus[0], gpu, gpu == local ? 1 : gpu == gpus[0].name ? gpus[0].wgs[0] : 2, sync, dim),
                  Expected(layer, gpu, ratioFor(k), sync, dim));
        for (const auto& cpu : cpus)
          for (int k : bounds)
            add(LayerJob(layer, ratioFor(k), cpu, gpus[0].name, gpus[0].wgs[0], "finish", dim), "ok");
        if (!small) add(LayerJob(layer, 1.0, cpus[0], gpus[0].name, gpus[0].wgs[0], "svm-fine", dim), "ok");
        if (!small) add(LayerJob(layer, 0.0, cpus[0], gpus[0].name, gpus[0].wgs[0], "svm-fine", dim), "ok");
      }
    }
  }
  // The local tiles' (gemm_local.cl) boundaries along an outer split: M = 72 rows of m and a conv with
  // Q = 8 over P = 20 output rows (stride 2, R != S, padding), so the GPU's share is exactly 16, 32, 64
  // (and 128) rows / positions at some k, a tile multiple for every MWG / NWG in the list, and one
  // more or one fewer next to each.
  if (!small) {
    const Json linearTiles = Linear(72, 37, 33), convTiles = Conv(1, 3, 39, 15, 9, 3, 2, 2, 2, 1, 1);  // P 20, Q 8
    const std::set<int> mBounds = {7, 8, 9, 40, 41, 55, 56, 57}, pBounds = {1, 4, 11, 12, 13, 16, 18, 19};
    for (int kind = 0; kind < 2; ++kind) {
      const Json& layer = kind ? convTiles : linearTiles;
      const int rows = kind ? 20 : 72;
      for (const auto& g : kind ? convGpu : linearGpu) {
        if (g.name.find("_local") == std::string::npos && !IsSplitK(g.name)) continue;
        for (int k : kind ? pBounds : mBounds) {
          const double ratio = static_cast<double>(k) / rows;
          const char* sync = k % 2 ? "svm-fine" : "finish";
          add(LayerJob(layer, ratio, kind ? convCpu[0] : linearCpu[0], g.name, 1, sync, kind ? "height" : "m"),
              Expected(layer, g.name, ratio, sync, kind ? "height" : "m"));
        }
      }
    }
  }
  // Round trips also carry an unreachable CI target, so the stopping rule's CI checks run (in the sanitized
  // subset too) until maxSamples.
  for (const auto& sync : syncs) {
    add(Json::Object().Set("id", "roundtrip/sync:" + sync).Set("kind", "roundtrip")
            .Set("strategy", Json::Object().Set("sync", sync)).Set("warmup", 1).Set("minSamples", 3)
            .Set("minTimeMs", 0).Set("maxSamples", 5).Set("targetMedianCiPct", 1e-9),
        "ok");
  }
  return WritePlan(out, "native-tests", jobs, expect);
}

// gpuStreams 1..5 against the double reference (every job's check), on the pinned-copy path: M = 1 (clamped
// to one chunk), M = 7 (5 chunks of 2,2,1,1,1 rows), M = 64 with a tail at 3 and 5; convs with stride 2,
// padding, R != S, batch 2, a 1x1 and the halo layer whose input rows overlap between chunks and reach into
// the padding; channel / feature splits and outer splits (height, M) beside the CPU; finish and event-poll.
int StreamsSweep(const std::string& out, bool small) {
  const std::vector<Json> linear = {Linear(1, 37, 53), Linear(7, 29, 67), Linear(64, 37, 33)};
  const std::vector<Json> conv = {Conv(1, 3, 11, 9, 13, 3, 2, 2, 1, 1, 2), Conv(2, 4, 7, 7, 7, 3, 3, 1, 2, 1, 1),
                                  Conv(2, 5, 6, 5, 11, 1, 1, 1, 1, 0, 0), Conv(1, 3, 12, 8, 5, 5, 3, 3, 1, 2, 1)};
  const std::vector<std::pair<std::string, int>> linearGpu = {{"gemv_row", 8}, {"gemm_tiled", 4}, {"linear_reg_v8_m4", 2},
                                                              {"gemm_local_16x64x16_2x4", 1}, {"gemv_reg_v4_n4", 2},
                                                              {"gemm_splitk_32x16x16_4x2_s4", 1}};
  const std::vector<std::pair<std::string, int>> convGpu = {{"conv_direct", 8}, {"conv_im2col_gemm", 4}, {"conv_reg_v8_q4", 2},
                                                            {"conv_local_16x64x16_2x4", 1}, {"conv_local_im2col_32x32x16_4x4", 1},
                                                            {"conv_splitk_32x16x16_4x2_s4", 1}};
  const std::pair<std::string, int> unitStrideW = {"conv_pq_v4x2_f4", 2};  // refuses strideW 2
  const std::vector<std::pair<std::string, int>> oneByOne = {{"conv_1x1_gemm", 4}, {"conv_reg_1x1_v4_q8", 2}, {"conv_pq_1x1_v4_f4", 2}};
  Json jobs = Json::Array(), expect = Json::Object();
  auto add = [&](const Json& job) {
    for (int k = 1; k <= 5; ++k) {
      if (small && k != 1 && k != 3) continue;
      Json j = WithStreams(job, k);
      expect.Set(j.Find("id")->AsString(), "ok");
      jobs.Push(std::move(j));
    }
  };
  for (int kind = 0; kind < 2; ++kind) {
    for (const Json& layer : kind ? conv : linear) {
      auto gpus = kind ? convGpu : linearGpu;
      if (kind && I(layer, "R") == 1) gpus.insert(gpus.end(), oneByOne.begin(), oneByOne.end());
      if (kind && I(layer, "strideW") == 1) gpus.push_back(unitStrideW);
      if (small) gpus.resize(2);
      const std::string cpu = kind ? "simd-direct" : "simd";
      const bool outerOk = kind || I(layer, "M") > 1;
      for (const auto& [gpu, wg] : gpus) {
        add(LayerJob(layer, 0.0, cpu, gpu, wg, "finish"));
        add(LayerJob(layer, 0.4, cpu, gpu, wg, "finish"));
        if (outerOk) add(LayerJob(layer, 0.3, cpu, gpu, wg, "finish", kind ? "height" : "m"));
      }
      add(LayerJob(layer, 0.0, cpu, gpus[0].first, gpus[0].second, "event-poll"));
      if (outerOk) add(LayerJob(layer, 0.3, cpu, gpus[0].first, gpus[0].second, "event-poll", kind ? "height" : "m"));
    }
  }
  return WritePlan(out, "native-tests-streams", jobs, expect);
}

// What the GPU's share of X and Y must be (resolved.gpuInputFloats / gpuOutputFloats), counted element by
// element from the definition rather than from the engine's closed forms: the input rows any GPU output row
// reads through a tap inside the input, and the GPU's output elements.
void ExpectedShare(const Json& layer, const std::string& splitDim, int cpuRows, long long* in, long long* out) {
  if (layer.Find("type")->AsString() == "linear") {
    const long long M = I(layer, "M"), N = I(layer, "N"), K = I(layer, "K");
    *in = splitDim == "m" ? (M - cpuRows) * K : M * K;
    *out = splitDim == "m" ? (M - cpuRows) * N : M * (N - cpuRows);
    return;
  }
  const int H = I(layer, "H"), R = I(layer, "R"), sh = I(layer, "strideH"), ph = I(layer, "padH");
  const int P = (H + 2 * ph - R) / sh + 1, Q = (I(layer, "W") + 2 * I(layer, "padW") - I(layer, "S")) / I(layer, "strideW") + 1;
  const long long planes = static_cast<long long>(I(layer, "batch")) * I(layer, "C");
  const long long F = I(layer, "F");
  if (splitDim != "height") {
    *in = planes * H * I(layer, "W");
    *out = I(layer, "batch") * (F - cpuRows) * P * Q;
    return;
  }
  std::set<int> rows;
  for (int p = cpuRows; p < P; ++p)
    for (int r = 0; r < R; ++r)
      if (p * sh - ph + r >= 0 && p * sh - ph + r < H) rows.insert(p * sh - ph + r);
  // The rows are one contiguous range (consecutive output rows' taps overlap or touch when stride <= R;
  // otherwise the gaps between them still travel with one rectangular copy): first to last.
  *in = rows.empty() ? 0 : planes * (*rows.rbegin() - *rows.begin() + 1) * I(layer, "W");
  *out = I(layer, "batch") * F * (P - cpuRows) * Q;
}

int Check(const std::string& planPath, const std::string& resultsPath) {
  Json plan = coexec::ParseJson(Slurp(planPath));
  Json expect = coexec::ParseJson(Slurp(planPath + ".expect"));
  std::map<std::string, Json> byId;
  size_t lines = 0;
  std::istringstream in(Slurp(resultsPath));
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++lines;
    Json r = coexec::ParseJson(line);
    byId[r.Find("jobId")->AsString()] = r;
  }
  int passed = 0, failed = 0;
  for (const Json& j : plan.Find("jobs")->Items()) {
    const std::string id = j.Find("id")->AsString();
    const std::string want = expect.Find(id)->AsString();
    std::vector<std::string> problems;
    auto it = byId.find(id);
    if (it == byId.end()) {
      problems.push_back("no result line");
    } else {
      const Json& r = it->second;
      const std::string status = r.Find("status")->AsString();
      const Json* reason = r.Find("reason");
      if (status != want) problems.push_back("status " + status + " (want " + want + ") " + (reason ? reason->AsString() : ""));
      if (status == "ok") {
        const auto& s = r.Find("samplesNs")->Items();
        const int64_t n = static_cast<int64_t>(s.size());
        if (n < j.Find("minSamples")->AsInt() || n > j.Find("maxSamples")->AsInt())
          problems.push_back(std::to_string(n) + " samples outside [minSamples, maxSamples]");
        if (static_cast<int64_t>(r.Find("cpuSideNs")->Items().size()) != n ||
            static_cast<int64_t>(r.Find("gpuSideNs")->Items().size()) != n)
          problems.push_back("side vectors differ in length from samplesNs");
        for (const Json& v : s) {
          if (v.AsInt() <= 0) problems.push_back("non-positive sample");
        }
        if (!r.Find("check")->Find("passed")->AsBool()) problems.push_back("check failed " + r.Find("check")->Dump());
        if (!r.Find("stop")) problems.push_back("no stop reason");
        const Json* res = r.Find("resolved");
        const Json* gpuRows = res->Find("gpuRows");
        const Json* ts = r.Find("gpuTimestampsNs");
        const Json* hostMemory = res->Find("hostMemory");
        const std::string sync = j.Find("kind")->AsString() == "layer" ? j.Find("strategy")->Find("sync")->AsString() : "";
        if (j.Find("kind")->AsString() == "layer") {
          const std::string hm = hostMemory ? hostMemory->AsString() : "(none)";
          const bool gpu = !gpuRows || gpuRows->AsInt() > 0;
          const bool fits = !gpu ? hm == "host"
                            : sync == "svm-coarse" ? hm == "svm-coarse-map"
                            : sync == "svm-fine" || sync == "svm-resident" ? hm == "svm-fine-shared"
                                                   : hm == "pinned-copy" || hm == "zero-copy";
          if (!fits) problems.push_back("resolved.hostMemory " + hm + " does not fit sync " + sync);
          if (gpu) {  // only the GPU's share of X and Y moves
            const Json* dimJ = j.Find("strategy")->Find("splitDim");
            long long in = 0, out = 0;
            ExpectedShare(*j.Find("layer"), dimJ ? dimJ->AsString() : "", static_cast<int>(res->Find("cpuRows")->AsInt()), &in, &out);
            const Json* gin = res->Find("gpuInputFloats");
            const Json* gout = res->Find("gpuOutputFloats");
            if (!gin || !gout || gin->AsInt() != in || gout->AsInt() != out)
              problems.push_back("GPU share of X / Y " + (gin ? gin->Dump() : "-") + " / " + (gout ? gout->Dump() : "-") +
                                 " floats, want " + std::to_string(in) + " / " + std::to_string(out));
            // gpuStreams: one queue per chunk, at most one chunk per outer row of the share (M or P).
            const Json* streamsJ = j.Find("strategy")->Find("gpuStreams");
            const Json& layer = *j.Find("layer");
            const bool conv = layer.Find("type")->AsString() == "conv2d";
            const int extent = conv ? (I(layer, "H") + 2 * I(layer, "padH") - I(layer, "R")) / I(layer, "strideH") + 1 : I(layer, "M");
            const bool outer = dimJ && (dimJ->AsString() == "height" || dimJ->AsString() == "m");
            const int outerRows = extent - (outer ? static_cast<int>(res->Find("cpuRows")->AsInt()) : 0);
            const long long want = std::min<long long>(streamsJ ? streamsJ->AsInt() : 1, outerRows);
            const Json* got = res->Find("gpuStreams");
            if (!got || got->AsInt() != want)
              problems.push_back("resolved.gpuStreams " + (got ? got->Dump() : "-") + ", want " + std::to_string(want));
          }
        }
        if (!gpuRows || gpuRows->AsInt() > 0) {
          // Timestamps come from min(n, 30) separate untimed profiled executions (no event on the timed path).
          const int64_t profiled = std::min<int64_t>(n, 30);
          bool good = ts && static_cast<int64_t>(ts->Items().size()) == profiled;
          for (size_t k = 0; good && k < ts->Items().size(); ++k) {
            const auto& t = ts->Items()[k].Items();
            good = t.size() == 4 && t[0].AsInt() <= t[1].AsInt() && t[1].AsInt() <= t[2].AsInt() &&
                   t[2].AsInt() <= t[3].AsInt();
          }
          if (!good) problems.push_back("bad gpuTimestampsNs");
          const Json* bd = r.Find("breakdownMedianNs");
          const bool withCpu = res->Find("cpuRows") && res->Find("cpuRows")->AsInt() > 0;
          if (!bd || !bd->Find("enqueue") || !bd->Find("driverStartDelay") || (withCpu && !bd->Find("waitAfterCpu")))
            problems.push_back("breakdownMedianNs missing or incomplete");
          const Json* opts = res->Find("buildOptions");
          if (!opts || (opts->AsString().rfind("-cl-std=CL", 0) != 0 && opts->AsString().rfind("clblast:", 0) != 0))
            problems.push_back("resolved.buildOptions missing");
        } else if (ts) {
          problems.push_back("gpuTimestampsNs present without GPU rows");
        }
      } else if (!reason || reason->AsString().empty()) {
        problems.push_back("no reason");
      }
    }
    if (problems.empty()) {
      ++passed;
    } else {
      ++failed;
      std::string all;
      for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
      std::printf("FAIL %s: %s\n", id.c_str(), all.c_str());
    }
  }
  if (lines != plan.Find("jobs")->Items().size() || byId.size() != lines) {
    ++failed;
    std::printf("FAIL result lines: %zu for %zu jobs\n", lines, plan.Find("jobs")->Items().size());
  }
  std::printf("COUNTS %d %d\n", passed, failed);
  return 0;
}

int Info(const std::string& path) {
  Json info = coexec::ParseJson(Slurp(path));
  if (info.Find("cpu")->Find("cores")->AsInt() < 1) throw std::runtime_error("no cores");
  const Json* cl = info.Find("opencl");
  if (!cl->Find("available")->AsBool()) throw std::runtime_error("OpenCL unavailable: " + cl->Find("reason")->AsString());
  int devices = 0;
  for (const Json& p : cl->Find("platforms")->Items()) {
    const bool pocl = p.Find("name")->AsString().find("Portable Computing Language") != std::string::npos;
    for (const Json& d : p.Find("devices")->Items()) {
      ++devices;
      for (const char* key : {"version", "driver", "openclCVersions", "computeUnits", "nativeVectorWidthFloat", "maxWorkGroupSize",
                              "localMemBytes", "svm", "atomicMemoryCaps"}) {
        if (!d.Find(key)) throw std::runtime_error(std::string("device lacks ") + key);
      }
      std::vector<std::string> names;
      for (const Json& m : d.Find("syncMechanisms")->Items()) {
        names.push_back(m.Find("name")->AsString());
        const bool ok = m.Find("ok")->AsBool();
        if (!ok && !m.Find("reason")) throw std::runtime_error("mechanism without ok or reason");
        // PoCL's CPU device offers all four mechanisms: each must have passed its round trip there.
        if (pocl && !ok) throw std::runtime_error("PoCL: " + m.Find("name")->AsString() + " failed: " + m.Find("reason")->AsString());
        if (ok && !(m.Find("roundTripUs")->AsDouble() > 0)) throw std::runtime_error("no roundTripUs");
      }
      if (names != std::vector<std::string>{"finish", "event-poll", "svm-coarse", "svm-fine", "svm-resident"})
        throw std::runtime_error("syncMechanisms names/order wrong");
    }
  }
  if (devices == 0) throw std::runtime_error("no device");
  return 0;
}

// Checks the "layers" catalog of an info document and prints "<linear|conv2d> <gpu|cpu> <id>" per entry,
// so run.sh can prove that the engine accepts every listed name.
int Variants(const std::string& path) {
  Json info = coexec::ParseJson(Slurp(path));
  const Json* layers = info.Find("layers");
  if (!layers) throw std::runtime_error("info has no layers");
  for (const char* kind : {"linear", "conv2d"}) {
    const Json* l = layers->Find(kind);
    if (!l) throw std::runtime_error(std::string("layers lacks ") + kind);
    std::set<std::string> ids;
    for (const Json& v : l->Find("gpuVariants")->Items()) {
      const std::string id = v.Find("id")->AsString();
      if (!ids.insert(id).second) throw std::runtime_error("duplicate variant " + id);
      if (!v.Find("kernel") || !v.Find("knobs") || !v.Find("workGroup")) throw std::runtime_error(id + ": kernel, knobs or workGroup missing");
      std::printf("%s gpu %s\n", kind, id.c_str());
    }
    for (const Json& c : l->Find("cpuImpls")->Items()) std::printf("%s cpu %s\n", kind, c.Find("id")->AsString().c_str());
    // The register-tiled family is listed with its knobs, e.g. linear_reg_v16_m8 and conv_reg_v8x2_q4.
    const std::string want = std::string(kind) == "linear" ? "linear_reg_v16_m8" : "conv_reg_v8x2_q4";
    bool found = false;
    for (const Json& v : l->Find("gpuVariants")->Items()) {
      if (v.Find("id")->AsString() != want) continue;
      const Json* k = v.Find("knobs");
      const bool conv = std::string(kind) == "conv2d";
      found = k->Find("VW")->AsInt() == (conv ? 8 : 16) && k->Find("VN")->AsInt() == (conv ? 2 : 1) &&
              k->Find(conv ? "RQ" : "RM")->AsInt() == (conv ? 4 : 8) && v.Find("packedWeights")->AsBool();
    }
    if (!found) throw std::runtime_error(want + " missing or with wrong knobs");
    // The local-tiled families: a shortlist in gpuVariants, the knob domains in gpuVariantFamilies.
    const Json* families = l->Find("gpuVariantFamilies");
    if (!families || families->Items().empty() || !families->Items()[0].Find("knobs")->Find("KWG"))
      throw std::runtime_error(std::string(kind) + ": gpuVariantFamilies missing or without knobs");
  }
  return 0;
}

std::vector<float> LoadNpy(const std::string& path, std::vector<size_t>* shape) {
  std::string raw = Slurp(path);
  if (raw.compare(0, 8, std::string("\x93NUMPY\x01\x00", 8)) != 0) throw std::runtime_error(path + ": bad magic");
  const size_t hlen = static_cast<unsigned char>(raw[8]) | (static_cast<unsigned char>(raw[9]) << 8);
  const std::string header = raw.substr(10, hlen);
  if ((10 + hlen) % 64 != 0 || header.back() != '\n' || header.find("'descr': '<f4'") == std::string::npos ||
      header.find("'fortran_order': False") == std::string::npos)
    throw std::runtime_error(path + ": bad header " + header);
  size_t open = header.find("'shape': (") + 10, close = header.find(')', open);
  std::stringstream dims(header.substr(open, close - open));
  size_t count = 1;
  for (std::string d; std::getline(dims, d, ',');) {
    if (d.find_first_not_of(' ') == std::string::npos) continue;
    shape->push_back(std::stoul(d));
    count *= shape->back();
  }
  if (raw.size() != 10 + hlen + count * 4) throw std::runtime_error(path + ": data size does not match the shape");
  std::vector<float> v(count);
  std::memcpy(v.data(), raw.data() + 10 + hlen, count * 4);
  return v;
}

int Npy(const std::string& dir) {
  std::vector<size_t> xs, ws, bs, ys;
  auto X = LoadNpy(dir + "/X.npy", &xs), W = LoadNpy(dir + "/W.npy", &ws), b = LoadNpy(dir + "/b.npy", &bs),
       Y = LoadNpy(dir + "/Y.npy", &ys);
  if (xs.size() != 2 || ws.size() != 2 || bs.size() != 1 || ys.size() != 2) throw std::runtime_error("not a linear layer");
  const size_t M = xs[0], K = xs[1], N = ws[0];
  if (ws[1] != K || bs[0] != N || ys[0] != M || ys[1] != N) throw std::runtime_error("shapes disagree");
  for (size_t m = 0; m < M; ++m) {
    for (size_t n = 0; n < N; ++n) {
      double ref = b[n];
      for (size_t k = 0; k < K; ++k) ref += double(X[m * K + k]) * W[n * K + k];
      if (std::fabs(ref - Y[m * N + n]) > 1e-4) throw std::runtime_error("Y differs at " + std::to_string(m) + "," + std::to_string(n));
    }
  }
  return 0;
}

// Sample sets with the value src/stats/descriptive.ts medianCi95HalfPct gives for them (printed by node
// with toPrecision(17)); test/stats.test.ts pins the same sets to the same values, so the engine's
// stopping rule and the harness's verdict cannot drift apart unnoticed.
int MedianCi() {
  auto generated = [](int n) {  // 1000 + (i * 7919) % 613: an irregular, repeatable spread
    std::vector<int64_t> v;
    for (int i = 0; i < n; ++i) v.push_back(1000 + (int64_t(i) * 7919) % 613);
    return v;
  };
  std::vector<int64_t> hundred;
  for (int i = 1; i <= 100; ++i) hundred.push_back(i);
  const std::vector<std::pair<std::vector<int64_t>, double>> cases = {
      {{1000}, 0},
      {{1000, 1100}, 4.7619047619047619},
      {{1200, 950, 1010, 5000, 990, 1005, 1001}, 201.49253731343285},
      {{20, 10, 10, 30, 10, 40, 10, 25, 10, 90}, 266.66666666666669},
      {{0, 0, 5}, 0},
      {hundred, 20.792079207920793},
      {generated(37), 9.1931730023273861},
      {generated(1000), 1.4531548757170172},
  };
  int failed = 0;
  for (const auto& [samples, want] : cases) {
    std::vector<int64_t> copy = samples;
    const double got = coexec::MedianCi95HalfPct(copy);
    if (std::fabs(got - want) > 1e-12 * std::max(1.0, std::fabs(want))) {
      ++failed;
      std::printf("median CI of %zu samples: engine %.17g, harness %.17g\n", samples.size(), got, want);
    }
  }
  return failed == 0 ? 0 : 1;
}

// host_steal: the aggregate /proc/stat line parsed, steal in percent of all ticks between two reads, and
// unknown (negative) where no tick passed, a read failed or a counter went backwards; then a live read.
int Steal() {
  int failed = 0;
  auto expect = [&](bool ok, const char* what) {
    if (!ok) { std::fprintf(stderr, "steal: %s\n", what); ++failed; }
  };
  const CpuTicks a = ParseCpuTicks("cpu  100 0 50 800 10 0 5 35 7 0\ncpu0 1 2 3");
  expect(a.ok && a.steal == 35 && a.total == 1000, "first line: 8 fields summed, steal is the 8th, guest left out");
  const CpuTicks b = ParseCpuTicks("cpu  150 0 50 830 10 0 5 55 9 0");
  expect(std::abs(StealPct(a, b) - 20.0) < 1e-12, "20 of 100 ticks stolen -> 20%");
  expect(StealPct(a, a) < 0, "no tick passed -> unknown");
  expect(StealPct(b, a) < 0, "counters backwards -> unknown");
  expect(!ParseCpuTicks("cpu0 1 2 3 4 5 6 7 8").ok && !ParseCpuTicks("cpu 1 2 3").ok && !ParseCpuTicks("").ok, "not the aggregate line");
  expect(StealPct(CpuTicks{}, b) < 0, "a failed read -> unknown");
  const CpuTicks live = ReadCpuTicks();
  expect(live.ok && live.total > 0 && live.steal <= live.total, "/proc/stat of this machine");
  std::printf("steal: %s\n", failed ? "FAILED" : "ok");
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "sweep" && argc >= 3) return Sweep(argv[2], argc > 3 && std::string(argv[3]) == "--small");
    if (cmd == "streams" && argc >= 3) return StreamsSweep(argv[2], argc > 3 && std::string(argv[3]) == "--small");
    if (cmd == "check" && argc == 4) return Check(argv[2], argv[3]);
    if (cmd == "info" && argc == 3) return Info(argv[2]);
    if (cmd == "variants" && argc == 3) return Variants(argv[2]);
    if (cmd == "npy" && argc == 3) return Npy(argv[2]);
    if (cmd == "median-ci" && argc == 2) return MedianCi();
    if (cmd == "steal" && argc == 2) return Steal();
    std::fprintf(stderr, "usage: coexec-test-tool sweep OUT [--small] | streams OUT [--small] | check PLAN RESULTS | info FILE | variants INFO | npy DIR | median-ci | steal\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "coexec-test-tool: %s\n", e.what());
    return 1;
  }
}
