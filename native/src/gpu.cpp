// Device selection, capability queries and program building.
#include "gpu.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "coexec_kernels.h"

namespace coexec {

const char* KernelSource(const std::string& file) {
  for (const auto& k : kEmbeddedKernels) {
    if (file == k.file) return k.source;
  }
  throw std::runtime_error("no embedded kernel file " + file);
}

bool DeviceCaps::HasFeature(const std::string& macro) const {
  return std::find(openclCFeatures.begin(), openclCFeatures.end(), macro) != openclCFeatures.end();
}

std::string DeviceCaps::ClStd() const { return openclC30 ? "CL3.0" : openclC20 ? "CL2.0" : "CL1.2"; }

std::string DeviceCaps::TypeName() const {
  if (type & CL_DEVICE_TYPE_GPU) return "gpu";
  if (type & CL_DEVICE_TYPE_CPU) return "cpu";
  if (type & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
  return "other";
}

Json DeviceCaps::SvmJson() const {
  Json a = Json::Array();
  if (svm & CL_DEVICE_SVM_COARSE_GRAIN_BUFFER) a.Push("coarse");
  if (svm & CL_DEVICE_SVM_FINE_GRAIN_BUFFER) a.Push("fine-buffer");
  if (svm & CL_DEVICE_SVM_FINE_GRAIN_SYSTEM) a.Push("fine-system");
  if (svm & CL_DEVICE_SVM_ATOMICS) a.Push("atomics");
  return a;
}

Json DeviceCaps::AtomicJson(cl_device_atomic_capabilities c) const {
  Json a = Json::Array();
  const std::pair<cl_device_atomic_capabilities, const char*> names[] = {
      {CL_DEVICE_ATOMIC_ORDER_RELAXED, "relaxed"}, {CL_DEVICE_ATOMIC_ORDER_ACQ_REL, "acq_rel"},
      {CL_DEVICE_ATOMIC_ORDER_SEQ_CST, "seq_cst"}, {CL_DEVICE_ATOMIC_SCOPE_WORK_ITEM, "scope_work_item"},
      {CL_DEVICE_ATOMIC_SCOPE_WORK_GROUP, "scope_work_group"}, {CL_DEVICE_ATOMIC_SCOPE_DEVICE, "scope_device"},
      {CL_DEVICE_ATOMIC_SCOPE_ALL_DEVICES, "scope_all_devices"}};
  for (const auto& [bit, name] : names) {
    if (c & bit) a.Push(name);
  }
  return a;
}

Json DeviceCaps::ToJson() const {
  return Json::Object()
      .Set("platform", platformName)
      .Set("name", name)
      .Set("version", version)
      .Set("driver", driver)
      .Set("type", TypeName())
      .Set("svm", SvmJson())
      .Set("hostUnifiedMemory", hostUnifiedMemory);
}

DeviceCaps QueryCaps(const DeviceEntry& e) {
  DeviceCaps c;
  DeviceQuery q{e.device};
  c.platformName = e.platformName;
  c.platformVersion = PlatformString(e.platform, CL_PLATFORM_VERSION);
  c.name = e.deviceName;
  c.vendor = q.String(CL_DEVICE_VENDOR);
  c.version = q.String(CL_DEVICE_VERSION);
  c.driver = q.String(CL_DRIVER_VERSION);
  c.openclCVersion = q.String(CL_DEVICE_OPENCL_C_VERSION);
  c.type = e.type;
  c.computeUnits = q.Uint(CL_DEVICE_MAX_COMPUTE_UNITS);
  c.nativeVectorWidthFloat = q.Uint(CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT);
  c.maxWorkGroupSize = q.Size(CL_DEVICE_MAX_WORK_GROUP_SIZE);
  c.localMemBytes = q.Ulong(CL_DEVICE_LOCAL_MEM_SIZE);
  c.globalMemBytes = q.Ulong(CL_DEVICE_GLOBAL_MEM_SIZE);
  c.hostUnifiedMemory = q.Uint(CL_DEVICE_HOST_UNIFIED_MEMORY) != 0;  // a cl_bool
  bool api20 = c.version.rfind("OpenCL 1.", 0) != 0;  // SVM and atomics queries exist from 2.0 on
  if (api20) {
    c.svm = q.Ulong(CL_DEVICE_SVM_CAPABILITIES);
    c.atomicMemoryCaps = q.Ulong(CL_DEVICE_ATOMIC_MEMORY_CAPABILITIES);
    c.atomicFenceCaps = q.Ulong(CL_DEVICE_ATOMIC_FENCE_CAPABILITIES);
  }
  // OpenCL 3.0 lists every OpenCL C version and feature; older drivers only give one version string
  // (which PoCL 3.1 reports as "OpenCL C 1.2" although it compiles 3.0).
  size_t n = 0;
  if (api20 && Cl().clGetDeviceInfo(e.device, CL_DEVICE_OPENCL_C_ALL_VERSIONS, 0, nullptr, &n) == CL_SUCCESS && n) {
    std::vector<cl_name_version> v(n / sizeof(cl_name_version));
    Cl().clGetDeviceInfo(e.device, CL_DEVICE_OPENCL_C_ALL_VERSIONS, n, v.data(), nullptr);
    for (const auto& nv : v) {
      unsigned major = CL_VERSION_MAJOR(nv.version), minor = CL_VERSION_MINOR(nv.version);
      c.openclCVersions.push_back(std::to_string(major) + "." + std::to_string(minor));
      if (major == 3) c.openclC30 = true;
      if (major == 2) c.openclC20 = true;
    }
  }
  if (api20 && Cl().clGetDeviceInfo(e.device, CL_DEVICE_OPENCL_C_FEATURES, 0, nullptr, &n) == CL_SUCCESS && n) {
    std::vector<cl_name_version> v(n / sizeof(cl_name_version));
    Cl().clGetDeviceInfo(e.device, CL_DEVICE_OPENCL_C_FEATURES, n, v.data(), nullptr);
    for (const auto& nv : v) c.openclCFeatures.push_back(nv.name);
  }
  if (c.openclCVersion.find("OpenCL C 2.") == 0) c.openclC20 = true;
  if (c.openclCVersion.find("OpenCL C 3.") == 0) c.openclC30 = true;
  if (c.openclCVersions.empty() && !c.openclCVersion.empty()) c.openclCVersions.push_back(c.openclCVersion);
  return c;
}

GpuDevice::GpuDevice(const DeviceEntry& entry) : entry_(entry), caps_(QueryCaps(entry)) {
  const std::string where = "device " + caps_.name;
  cl_int err = CL_SUCCESS;
  cl_context_properties props[] = {CL_CONTEXT_PLATFORM, reinterpret_cast<cl_context_properties>(entry.platform), 0};
  context_ = Context(Cl().clCreateContext(props, 1, &entry_.device, nullptr, nullptr, &err));
  ClCheck(err, "clCreateContext", where);
  // Both in order. The profiling queue gives the four timestamps of the main kernel of profiled executions;
  // the plain one carries the timed executions (TimedQueue).
  profiling_ = Queue(Cl().clCreateCommandQueue(context_.get(), entry_.device, CL_QUEUE_PROFILING_ENABLE, &err));
  ClCheck(err, "clCreateCommandQueue", where + ", profiling queue");
  plain_ = Queue(Cl().clCreateCommandQueue(context_.get(), entry_.device, 0, &err));
  ClCheck(err, "clCreateCommandQueue", where + ", plain queue");
  current_ = plain_.get();
}

const char* TimedQueueName(TimedQueue q) { return q == TimedQueue::Plain ? "plain" : "profiling"; }

TimedQueue TimedQueueRequest() {
  const char* env = std::getenv("COEXEC_TIMED_QUEUE");
  const std::string v = env && *env ? env : "plain";
  if (v == "plain") return TimedQueue::Plain;
  if (v == "profiling") return TimedQueue::Profiling;
  throw std::runtime_error("COEXEC_TIMED_QUEUE: unknown value \"" + v + "\" (expected plain|profiling)");
}

void GpuDevice::SetTimedQueue(TimedQueue which) {
  COEXEC_CL(Cl().clFinish(plain_.get()), "finish the plain queue");
  COEXEC_CL(Cl().clFinish(profiling_.get()), "finish the profiling queue");
  timed_ = which;
  current_ = which == TimedQueue::Plain ? plain_.get() : profiling_.get();
}

void GpuDevice::UseProfilingQueue(bool on) {
  cl_command_queue next = on || timed_ == TimedQueue::Profiling ? profiling_.get() : plain_.get();
  if (next == current_) return;
  COEXEC_CL(Cl().clFinish(current_), on ? "finish the timed queue before the profiled executions"
                                        : "finish the profiling queue after the profiled executions");
  current_ = next;
}

bool ResidentDealSteals() {
  const char* deal = std::getenv("COEXEC_RESIDENT_DEAL");
  if (!deal || !*deal || std::strcmp(deal, "steal") == 0) return true;
  if (std::strcmp(deal, "static") == 0) return false;
  throw std::runtime_error(std::string("COEXEC_RESIDENT_DEAL must be static or steal, got ") + deal);
}

GpuDevice::Built GpuDevice::BuildProgram(const std::string& file,
                                          const std::vector<std::pair<std::string, int>>& knobs, bool signal,
                                          bool resident) {
  signal = signal || resident;
  if (signal && !caps_.openclC20 && !caps_.openclC30)
    throw std::runtime_error("the completion counter needs OpenCL C 2.0 or 3.0; device has " + caps_.openclCVersion);
  std::string options = "-cl-std=" + caps_.ClStd();
  for (const auto& [name, value] : knobs) options += " -D" + name + "=" + std::to_string(value);
  if (signal) options += " -DCOEXEC_SIGNAL";
  if (resident) options += " -DCOEXEC_RESIDENT";
  // The resident kernel's physical groups steal each other's left-over virtual groups (common.cl) unless
  // COEXEC_RESIDENT_DEAL=static asks for the fixed contiguous deal (an A/B: native/bench/resident_deal_bench.py).
  if (resident && ResidentDealSteals()) options += " -DCOEXEC_RESIDENT_STEAL";
  const std::string key = file + "|" + options;
  if (auto it = cache_.find(key); it != cache_.end()) return {it->second.get(), options};

  const char* sources[] = {KernelSource("common.cl"), KernelSource(file)};
  cl_int err = CL_SUCCESS;
  Program program(Cl().clCreateProgramWithSource(context_.get(), 2, sources, nullptr, &err));
  ClCheck(err, "clCreateProgramWithSource", file);
  cl_device_id dev = entry_.device;
  err = Cl().clBuildProgram(program.get(), 1, &dev, options.c_str(), nullptr, nullptr);
  if (err != CL_SUCCESS) {
    size_t n = 0;
    Cl().clGetProgramBuildInfo(program.get(), dev, CL_PROGRAM_BUILD_LOG, 0, nullptr, &n);
    std::string log(n, '\0');
    if (n) Cl().clGetProgramBuildInfo(program.get(), dev, CL_PROGRAM_BUILD_LOG, n, log.data(), nullptr);
    while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
    throw std::runtime_error(std::string("clBuildProgram failed: ") + ClErrorName(err) + " (" + file + ", options \"" +
                             options + "\"): " + log);
  }
  cl_program raw = program.get();
  cache_.emplace(key, std::move(program));
  return {raw, options};
}

std::unique_ptr<GpuDevice> SelectDevice(const DeviceSelector& sel, std::string* why) {
  std::string loadWhy;
  if (!LoadClApi(&loadWhy)) {
    *why = loadWhy;
    return nullptr;
  }
  auto devices = ListDevices();
  if (devices.empty()) {
    *why = "the OpenCL library has no platform or device (check the ICD: /etc/OpenCL/vendors, OCL_ICD_VENDORS)";
    return nullptr;
  }
  const DeviceEntry* pick = nullptr;
  for (int pass = 0; pass < 2 && !pick; ++pass) {
    // gpu-or-cpu: GPUs in the first pass, CPU devices in the second.
    cl_device_type want = sel.deviceType == "cpu" ? CL_DEVICE_TYPE_CPU
                          : sel.deviceType == "gpu" ? CL_DEVICE_TYPE_GPU
                          : pass == 0 ? CL_DEVICE_TYPE_GPU : CL_DEVICE_TYPE_CPU;
    for (const auto& d : devices) {
      if (!(d.type & want)) continue;
      if (d.platformName.find(sel.platformContains) == std::string::npos) continue;
      if (d.deviceName.find(sel.deviceContains) == std::string::npos) continue;
      pick = &d;
      break;
    }
    if (sel.deviceType != "gpu-or-cpu") break;
  }
  if (!pick) {
    std::string seen;
    for (const auto& d : devices) seen += (seen.empty() ? "" : ", ") + d.platformName + " / " + d.deviceName;
    *why = "no OpenCL device matches deviceType \"" + sel.deviceType + "\", platformContains \"" +
           sel.platformContains + "\", deviceContains \"" + sel.deviceContains + "\" (found: " + seen + ")";
    return nullptr;
  }
  return std::make_unique<GpuDevice>(*pick);
}

}  // namespace coexec
