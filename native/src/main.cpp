// coexec-engine: the command line. main() reads the command, hands it to one function per command and is
// the only place that exits. User errors (bad flags, bad plan) print one line and exit 2; internal
// failures exit 1; failing jobs are records in the output, not exits.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "info.h"
#include "job.h"
#include "thread_herd.h"
#include "json.h"
#include "plan.h"

namespace coexec {
namespace {

constexpr const char* kUsage =
    "usage:\n"
    "  coexec-engine info\n"
    "  coexec-engine run PLAN.json --out RESULTS.jsonl\n"
    "  coexec-engine bench --layer linear --M 1 --N 4096 --K 4096 [strategy flags] [--save-tensors DIR]\n"
    "  coexec-engine bench --layer conv2d --batch 1 --C 64 --H 56 --W 56 --F 64 --R 3 --S 3 --stride 1 --pad 1 ...\n"
    "  coexec-engine bench --kind roundtrip --sync svm-fine\n"
    "  coexec-engine bench --kind copy --bytes 8388608 --direction host-to-device|device-to-host --host-memory pinned|pageable [--queues K]\n"
    "strategy flags: --ratio R --granularity G --threads T --cpu IMPL --gpu VARIANT --wg N --sync MECH\n"
    "  [--split-dim channels|height (conv2d) | n|m (linear)] [--streams K (gpuStreams)]\n"
    "measurement:    --warmup N --min-samples N --min-time-ms MS --max-samples N --max-time-ms MS --seed S\n"
    "                --target-median-ci-pct P (after the minimum, sample on until the median's 95% CI\n"
    "                half-width is <= P % of the median, or a maximum is reached)\n"
    "device:         --platform SUBSTR --device SUBSTR --device-type gpu|cpu|gpu-or-cpu --cores 1,2\n"
    "                --driver-core 0 (the GPU-driver thread's core; default: not pinned)\n"
    "conv extras:    --stride-h --stride-w --pad-h --pad-w (or --stride / --pad for both)\n"
    "environment:    COEXEC_OPENCL_LIB (OpenCL library path), COEXEC_WAIT_SPINS (pause spins before yielding),\n"
    "                COEXEC_EVENT_POLL_US (event-poll: least time between two status queries; default 0),\n"
    "                COEXEC_HOST_MEMORY=pinned-copy|zero-copy (override the buffer mechanisms' host memory),\n"
    "                COEXEC_GPU_SUBMIT=calls|auto|command-buffer (default calls; auto: cl_khr_command_buffer replays where possible)\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int Info() {
  std::printf("%s\n", CollectInfo().Dump().c_str());
  return 0;
}

// Runs every job of a validated plan, appending one flushed line per job to `out`.
int RunPlan(const Plan& plan, std::FILE* out, const JobOptions& opts, bool progress) {
  SetForeignThreadPolicy(plan.cpuAffinity, plan.driverCore);
  DeviceProvider devices(plan.device, plan.driverCore);
  for (size_t i = 0; i < plan.jobs.size(); ++i) {
    Json r = RunJob(plan, plan.jobs[i], devices, opts);
    std::string line = r.Dump() + "\n";
    if (std::fwrite(line.data(), 1, line.size(), out) != line.size() || std::fflush(out) != 0) {
      std::fprintf(stderr, "coexec-engine: cannot write results: %s\n", std::strerror(errno));
      return 1;
    }
    if (progress) {
      const Json* med = r.Find("medianNs");
      const Json* reason = r.Find("reason");
      char median[48] = "";
      if (med) std::snprintf(median, sizeof median, " median %.1f us", med->AsInt() / 1e3);
      std::fprintf(stderr, "[%zu/%zu] %s: %s%s%s\n", i + 1, plan.jobs.size(), plan.jobs[i].id.c_str(),
                   r.Find("status")->AsString().c_str(), median,
                   reason ? (" (" + reason->AsString() + ")").c_str() : "");
    }
  }
  return 0;
}

int Run(const std::vector<std::string>& args) {
  std::string planPath, outPath;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--out") {
      if (i + 1 >= args.size()) throw UsageError("run: --out needs a file name");
      outPath = args[++i];
    } else if (args[i].rfind("--", 0) == 0) {
      throw UsageError("run: unknown flag " + args[i]);
    } else if (planPath.empty()) {
      planPath = args[i];
    } else {
      throw UsageError("run: unexpected argument " + args[i]);
    }
  }
  if (planPath.empty()) throw UsageError("run: missing PLAN.json");
  if (outPath.empty()) throw UsageError("run: missing --out RESULTS.jsonl");
  std::ifstream in(planPath, std::ios::binary);
  if (!in) throw UsageError("run: cannot read plan " + planPath + ": " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  Plan plan;
  try {
    plan = ParsePlan(ParseJson(text.str()));
  } catch (const JsonParseError& e) {
    throw UsageError(planPath + ": " + e.what());
  } catch (const PlanError& e) {
    throw UsageError(planPath + ": " + e.what());
  }
  // Only a valid plan touches the output file; lines are appended so an interrupted run keeps its lines.
  std::FILE* out = std::fopen(outPath.c_str(), "a");
  if (!out) {
    std::fprintf(stderr, "coexec-engine: cannot open %s: %s\n", outPath.c_str(), std::strerror(errno));
    return 1;
  }
  int rc = RunPlan(plan, out, {}, true);
  if (std::fclose(out) != 0 && rc == 0) rc = 1;
  return rc;
}

// bench: the flags become a one-job plan that goes through the same validator as `run`.
int Bench(const std::vector<std::string>& args) {
  std::map<std::string, std::string> f;
  const std::vector<std::string> known = {
      "layer", "M", "N", "K", "batch", "C", "H", "W", "F", "R", "S", "stride", "stride-h", "stride-w", "pad",
      "pad-h", "pad-w", "ratio", "granularity", "threads", "cpu", "gpu", "wg", "sync", "split-dim", "streams", "kind", "warmup",
      "min-samples", "min-time-ms", "max-samples", "max-time-ms", "target-median-ci-pct", "seed", "platform",
      "device", "device-type", "cores", "driver-core", "save-tensors", "id", "bytes", "direction", "host-memory", "queues"};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) throw UsageError("bench: unexpected argument " + a);
    std::string name = a.substr(2);
    if (std::find(known.begin(), known.end(), name) == known.end()) throw UsageError("bench: unknown flag " + a);
    if (i + 1 >= args.size()) throw UsageError("bench: " + a + " needs a value");
    f[name] = args[++i];
  }
  // The number in `text`, given for flag --name (named in the message when it is not one).
  auto parse = [](const std::string& name, const std::string& text) -> Json {
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end == text.c_str() || *end || errno)
      throw UsageError("bench: --" + name + " expects a number, got \"" + text + "\"");
    if (v == static_cast<double>(static_cast<long long>(v))) return Json(static_cast<long long>(v));
    return Json(v);
  };
  auto num = [&](const std::string& name, const std::string& def) -> Json {
    auto it = f.find(name);
    std::string s = it == f.end() ? def : it->second;
    if (s.empty()) throw UsageError("bench: --" + name + " is required");
    return parse(name, s);
  };
  auto str = [&](const std::string& name, const std::string& def) {
    auto it = f.find(name);
    return it == f.end() ? def : it->second;
  };
  const std::string kind = str("kind", "layer");
  const std::string layerType = str("layer", kind == "layer" ? "" : "linear");
  if (kind == "layer" && layerType.empty()) throw UsageError("bench: --layer linear|conv2d is required");
  const bool conv = layerType == "conv2d";

  Json layer = Json::Object();
  layer.Set("type", layerType);
  if (kind != "layer") {
    // a round trip has no layer
  } else if (conv) {
    for (const char* d : {"batch", "C", "H", "W", "F", "R", "S"}) layer.Set(d, num(d, std::string(d) == "batch" ? "1" : ""));
    layer.Set("strideH", num("stride-h", str("stride", "1"))).Set("strideW", num("stride-w", str("stride", "1")));
    layer.Set("padH", num("pad-h", str("pad", "0"))).Set("padW", num("pad-w", str("pad", "0")));
  } else {
    layer.Set("M", num("M", "1")).Set("N", num("N", "")).Set("K", num("K", ""));
  }
  const std::string gpu = str("gpu", conv ? "conv_direct" : "gemv_row");
  Json strategy = Json::Object();
  strategy.Set("splitRatio", num("ratio", "0")).Set("granularity", num("granularity", "1"))
      .Set("cpuThreads", num("threads", "1")).Set("cpuImpl", str("cpu", conv ? "simd-im2col" : "simd"))
      .Set("gpuVariant", gpu).Set("gpuWorkGroup", num("wg", IsTiledVariant(gpu) ? "16" : "64"))
      .Set("sync", str("sync", "finish"));
  if (f.count("split-dim")) strategy.Set("splitDim", str("split-dim", ""));
  if (f.count("streams")) strategy.Set("gpuStreams", num("streams", ""));
  Json job = Json::Object();
  job.Set("id", str("id", "bench")).Set("kind", kind);
  if (kind == "layer") job.Set("layer", layer);
  if (kind == "copy") {
    job.Set("copy", Json::Object().Set("bytes", num("bytes", "")).Set("direction", str("direction", "host-to-device"))
                        .Set("hostMemory", str("host-memory", "pinned")).Set("queues", num("queues", "1")));
  } else {
    job.Set("strategy", kind == "layer" ? strategy : Json::Object().Set("sync", str("sync", "finish")));
  }
  job.Set("warmup", num("warmup", "3")).Set("minSamples", num("min-samples", "10"))
      .Set("minTimeMs", num("min-time-ms", "50")).Set("maxSamples", num("max-samples", "200"))
      .Set("maxTimeMs", num("max-time-ms", "2000")).Set("seed", num("seed", "7"));
  if (f.count("target-median-ci-pct")) job.Set("targetMedianCiPct", num("target-median-ci-pct", ""));
  Json cores = Json::Array();
  if (std::string list = str("cores", ""); !list.empty()) {
    std::stringstream ss(list);
    // Each listed core on its own (num() would look the flag up again and see the whole list).
    for (std::string c; std::getline(ss, c, ',');) cores.Push(parse("cores", c));
  }
  Json doc = Json::Object();
  doc.Set("schemaVersion", 1).Set("planId", "bench")
      .Set("device", Json::Object().Set("platformContains", str("platform", "")).Set("deviceContains", str("device", ""))
                         .Set("deviceType", str("device-type", "gpu-or-cpu")))
      .Set("cpuAffinity", cores).Set("jobs", Json::Array().Push(job));
  if (f.count("driver-core")) doc.Set("driverCore", num("driver-core", ""));
  Plan plan;
  try {
    plan = ParsePlan(doc);
  } catch (const PlanError& e) {
    throw UsageError(std::string("bench: ") + e.what());
  }
  // A bench without --id gets the strategy id of the contract.
  if (!f.count("id")) {
    const Job& j = plan.jobs[0];
    plan.jobs[0].id = kind == "layer"  ? StrategyId(j.layer, j.strategy)
                      : kind == "copy" ? "copy/" + j.copy.direction + "/" + j.copy.hostMemory + "/bytes:" +
                                             std::to_string(j.copy.bytes) +
                                             (j.copy.queues > 1 ? "/queues:" + std::to_string(j.copy.queues) : "")
                                       : "roundtrip/sync:" + j.strategy.sync;
  }
  JobOptions opts;
  opts.saveTensorsDir = str("save-tensors", "");
  return RunPlan(plan, stdout, opts, false);
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  try {
    if (cmd == "info") {
      if (!args.empty()) throw UsageError("info: takes no arguments");
      return Info();
    }
    if (cmd == "run") return Run(args);
    if (cmd == "bench") return Bench(args);
    throw UsageError("unknown command \"" + cmd + "\" (expected info, run or bench; see --help)");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "coexec-engine: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "coexec-engine: internal error: %s\n", e.what());
    return 1;
  }
}

}  // namespace
}  // namespace coexec

int main(int argc, char** argv) { return coexec::Main(argc, argv); }
