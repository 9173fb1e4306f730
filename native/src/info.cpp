// Info collection. Everything is read where it is readable (sysfs files may be missing on phones and in
// containers); what cannot be read is left out rather than guessed.
#include "info.h"

#include "executor.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "command_buffer.h"
#include "cpu/cpu_layers.h"
#include "gpu.h"
#include "sync.h"
#include "variants.h"

namespace coexec {

namespace {

std::string ReadLine(const std::string& path) {
  std::ifstream f(path);
  std::string s;
  if (f) std::getline(f, s);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string CpuModel() {
  std::ifstream f("/proc/cpuinfo");
  std::string line, hardware, part;
  while (std::getline(f, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "model name") return value;               // x86
    if (key == "Hardware" && hardware.empty()) hardware = value;  // older ARM kernels
    if (key == "CPU part" && part.empty()) part = "ARM CPU part " + value;
  }
  return !hardware.empty() ? hardware : part;
}

Json CpuInfo() {
  Json cpu = Json::Object();
  cpu.Set("model", CpuModel());
  const long n = sysconf(_SC_NPROCESSORS_CONF);
  cpu.Set("cores", static_cast<long long>(n));
  cpu.Set("onlineCores", static_cast<long long>(sysconf(_SC_NPROCESSORS_ONLN)));
  // Cluster: cores sharing a cpufreq policy (related_cpus) form one cluster, named by its first core;
  // that is how big.LITTLE phones group cores. Falls back to the package id.
  Json perCore = Json::Array();
  for (long i = 0; i < n; ++i) {
    const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(i);
    Json core = Json::Object();
    core.Set("core", static_cast<long long>(i));
    std::string maxKHz = ReadLine(base + "/cpufreq/cpuinfo_max_freq");
    if (!maxKHz.empty()) core.Set("maxFreqKHz", std::stoll(maxKHz));
    std::string curKHz = ReadLine(base + "/cpufreq/scaling_cur_freq");
    if (!curKHz.empty()) core.Set("curFreqKHz", std::stoll(curKHz));
    std::string governor = ReadLine(base + "/cpufreq/scaling_governor");
    if (!governor.empty()) core.Set("governor", governor);
    std::string related = ReadLine(base + "/cpufreq/related_cpus");
    if (!related.empty()) {
      core.Set("cluster", "policy" + related.substr(0, related.find_first_of(" -,")));
    } else if (std::string pkg = ReadLine(base + "/topology/physical_package_id"); !pkg.empty()) {
      core.Set("cluster", "package" + pkg);
    }
    perCore.Push(std::move(core));
  }
  cpu.Set("perCore", std::move(perCore));
  cpu.Set("simd", ResolvedSimdName());
  Json impls = Json::Object();
  for (bool conv : {false, true}) {
    for (const auto& name : CpuImplNames(conv)) {
      std::string why = CpuImplUnavailableReason(name);
      impls.Set(name, why.empty() ? Json(true) : Json(why));
    }
  }
  cpu.Set("impls", std::move(impls));  // true, or why the implementation cannot run here
  return cpu;
}

// Each mechanism is proven by a real round trip: a few launches whose written value must come back.
Json ProbeSync(GpuDevice& gpu) {
  Json list = Json::Array();
  for (const auto& sync : SyncNames()) {
    Json m = Json::Object();
    m.Set("name", sync);
    try {
      RoundTrip trip(gpu, sync);
      ExecutorConfig config;  // an unpinned driver thread, nothing else
      config.withGpu = true;
      Executor executor(config);
      std::vector<int64_t> ns;
      constexpr int kTrips = 5;
      for (int v = 1; v <= kTrips; ++v) {
        Sample s;
        trip.SetValue(100 + v);
        executor.Execute(&trip, nullptr, s);
        ns.push_back(s.totalNs);
      }
      const int got = trip.LastValue();
      if (got != 100 + kTrips) throw std::runtime_error("round trip read " + std::to_string(got) + ", expected " +
                                                        std::to_string(100 + kTrips));
      std::sort(ns.begin(), ns.end());
      m.Set("ok", true).Set("roundTripUs", ns[ns.size() / 2] / 1e3);
    } catch (const std::exception& e) {
      m.Set("ok", false).Set("reason", e.what());
    }
    list.Push(std::move(m));
  }
  return list;
}

Json StringArray(const std::vector<std::string>& v) {
  Json a = Json::Array();
  for (const auto& s : v) a.Push(s);
  return a;
}

Json OpenClInfo() {
  Json cl = Json::Object();
  std::string why;
  const ClApi* api = LoadClApi(&why);
  if (!api) {
    cl.Set("available", false).Set("reason", why).Set("platforms", Json::Array());
    return cl;
  }
  cl.Set("available", true).Set("library", api->libraryPath).Set("svmEntryPoints", api->HasSvm());
  std::map<cl_platform_id, Json> platforms;
  std::vector<cl_platform_id> order;
  auto devices = ListDevices();
  for (const auto& d : devices) {
    if (!platforms.count(d.platform)) {
      order.push_back(d.platform);
      platforms[d.platform] = Json::Object()
                                  .Set("name", d.platformName)
                                  .Set("vendor", PlatformString(d.platform, CL_PLATFORM_VENDOR))
                                  .Set("version", PlatformString(d.platform, CL_PLATFORM_VERSION))
                                  .Set("devices", Json::Array());
    }
    DeviceCaps c = QueryCaps(d);
    Json dev = Json::Object();
    dev.Set("name", c.name).Set("vendor", c.vendor).Set("type", c.TypeName()).Set("version", c.version)
        .Set("driver", c.driver).Set("openclCVersion", c.openclCVersion)
        .Set("openclCVersions", StringArray(c.openclCVersions)).Set("openclCFeatures", StringArray(c.openclCFeatures))
        .Set("clStd", c.ClStd()).Set("computeUnits", c.computeUnits)
        .Set("nativeVectorWidthFloat", c.nativeVectorWidthFloat)
        .Set("maxWorkGroupSize", Json(static_cast<unsigned long long>(c.maxWorkGroupSize)))
        .Set("localMemBytes", Json(static_cast<unsigned long long>(c.localMemBytes)))
        .Set("globalMemBytes", Json(static_cast<unsigned long long>(c.globalMemBytes)))
        .Set("svm", c.SvmJson()).Set("atomicMemoryCaps", c.AtomicJson(c.atomicMemoryCaps))
        .Set("atomicFenceCaps", c.AtomicJson(c.atomicFenceCaps));
    try {
      GpuDevice gpu(d);
      gpu.SetTimedQueue(TimedQueueRequest());  // the round trips and the command-buffer probe use the timed queue
      dev.Set("timedQueue", TimedQueueName(gpu.timedQueue()));
      dev.Set("syncMechanisms", ProbeSync(gpu));
      // cl_khr_command_buffer on the engine's queue: what COEXEC_GPU_SUBMIT=auto will use (command_buffer.h).
      const std::string why = CommandBufferUnsupportedReason(gpu);
      Json cb = Json::Object().Set("supported", why.empty());
      if (!why.empty()) cb.Set("reason", why);
      dev.Set("commandBuffer", std::move(cb));
    } catch (const std::exception& e) {
      dev.Set("syncMechanisms", Json::Array()).Set("syncProbeError", e.what());
    }
    Json& p = platforms[d.platform];
    Json devs = *p.Find("devices");
    devs.Push(std::move(dev));
    p.Set("devices", std::move(devs));
  }
  Json list = Json::Array();
  for (auto p : order) list.Push(platforms[p]);
  cl.Set("platforms", std::move(list));
  if (devices.empty()) cl.Set("reason", "the OpenCL library has no platform or device (check /etc/OpenCL/vendors)");
  return cl;
}

}  // namespace

// Per layer kind: every CPU implementation (whether it runs here, its knob) and every GPU variant with its
// knobs, so a tool can enumerate the strategies this engine accepts.
Json LayerCatalog() {
  Json layers = Json::Object();
  for (bool conv : {false, true}) {
    Json cpu = Json::Array();
    for (const auto& name : CpuImplVariants(conv)) {
      std::string why = CpuImplUnavailableReason(name);
      cpu.Push(Json::Object().Set("id", name).Set("available", why.empty() ? Json(true) : Json(why))
                   .Set("knobs", Json::Object().Set("cpuThreads", Json::Object().Set("min", 1).Set("max", 256))));
    }
    layers.Set(conv ? "conv2d" : "linear", Json::Object().Set("cpuImpls", std::move(cpu)).Set("gpuVariants", GpuVariantCatalog(conv))
                                                     .Set("gpuVariantFamilies", GpuVariantFamilies(conv)));
  }
  return layers;
}

Json CollectInfo() {
  Json info = Json::Object();
  info.Set("schemaVersion", 1);
  info.Set("cpu", CpuInfo());
  info.Set("opencl", OpenClInfo());
  info.Set("layers", LayerCatalog());
  return info;
}

}  // namespace coexec
