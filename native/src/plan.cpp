// Validation of plan.json: every field is checked for presence, type and range, unknown fields are refused,
// and the first problem becomes a PlanError naming where it is ("jobs[3] (id \"...\"): strategy.sync: ...").
#include "plan.h"
#include "variants.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

namespace coexec {

size_t Layer::XCount() const {
  return conv ? size_t(conv2d.batch) * conv2d.C * conv2d.H * conv2d.W : size_t(linear.M) * linear.K;
}
size_t Layer::WCount() const {
  return conv ? size_t(conv2d.F) * conv2d.C * conv2d.R * conv2d.S : size_t(linear.N) * linear.K;
}
size_t Layer::YCount() const {
  return conv ? size_t(conv2d.batch) * conv2d.F * conv2d.P() * conv2d.Q() : size_t(linear.M) * linear.N;
}
size_t Layer::YRowStride() const { return conv ? size_t(conv2d.P()) * conv2d.Q() : 1; }
size_t Layer::YOuter() const { return conv ? size_t(conv2d.batch) : size_t(linear.M); }

std::string Layer::Id() const {
  if (!conv) {
    return "linear/M:" + std::to_string(linear.M) + "/N:" + std::to_string(linear.N) + "/K:" +
           std::to_string(linear.K);
  }
  const auto& c = conv2d;
  return "conv2d/B:" + std::to_string(c.batch) + "/C:" + std::to_string(c.C) + "/H:" + std::to_string(c.H) +
         "/W:" + std::to_string(c.W) + "/F:" + std::to_string(c.F) + "/R:" + std::to_string(c.R) +
         "/S:" + std::to_string(c.S) + "/st:" + std::to_string(c.strideH) + "x" + std::to_string(c.strideW) +
         "/pad:" + std::to_string(c.padH) + "x" + std::to_string(c.padW);
}

int Strategy::CpuRows(int out) const {
  if (splitRatio == 1.0) return out;
  if (splitRatio == 0.0) return 0;
  double rows = std::round(splitRatio * out / granularity) * granularity;
  return static_cast<int>(std::clamp(rows, 0.0, static_cast<double>(out)));
}

int Strategy::SplitExtent(const Layer& layer) const {
  if (!SplitsOuter()) return layer.Out();
  return layer.conv ? layer.conv2d.P() : layer.linear.M;
}

const std::vector<std::string>& SplitDimNames(bool conv) {
  static const std::vector<std::string> linear{"n", "m"}, conv2d{"channels", "height"};
  return conv ? conv2d : linear;
}

const std::vector<std::string>& SyncNames() {
  static const std::vector<std::string> names{"finish", "event-poll", "svm-coarse", "svm-fine", "svm-resident"};
  return names;
}
const std::vector<std::string>& GpuVariantNames(bool conv) {
  static const std::vector<std::string> linear{"gemv_row", "gemv_row4", "gemv_rows", "gemv_vec4", "gemm_tiled", "clblast"};
  static const std::vector<std::string> conv2d{"conv_direct", "conv_im2col_gemm", "conv_1x1_gemm", "clblast"};
  return conv ? conv2d : linear;
}
bool IsTiledVariant(const std::string& v) {
  return v == "gemm_tiled" || v == "conv_im2col_gemm" || v == "conv_1x1_gemm";
}

const std::vector<int>& RegTileVectorWidths() {
  static const std::vector<int> v{4, 8, 16};
  return v;
}
const std::vector<int>& RegTileVectorCounts() {
  static const std::vector<int> v{1, 2, 4};
  return v;
}
const std::vector<int>& RegTileSizes() {
  static const std::vector<int> v{1, 2, 4, 8, 16};
  return v;
}
const std::vector<std::string>& RegTileKernels(bool conv) {
  static const std::vector<std::string> linear{"linear_reg", "gemv_reg"}, conv2d{"conv_reg", "conv_reg_1x1", "conv_pq_1x1", "conv_pq"};
  return conv ? conv2d : linear;
}
std::string RegTileKnobName(const std::string& kernel) {
  if (kernel == "linear_reg") return "RM";
  if (kernel == "gemv_reg") return "RN";
  if (kernel == "conv_pq_1x1" || kernel == "conv_pq") return "RF";
  return "RQ";
}
std::string RegTileVariantId(const std::string& kernel, int vectorWidth, int vectors, int tile) {
  return kernel + "_v" + std::to_string(vectorWidth) + (vectors > 1 ? "x" + std::to_string(vectors) : "") +
         std::string(1, '_') + char(std::tolower(RegTileKnobName(kernel)[1])) + std::to_string(tile);
}

std::optional<RegTileVariant> ParseRegTileVariant(const std::string& variant, bool conv) {
  for (const auto& kernel : RegTileKernels(conv)) {
    for (int vw : RegTileVectorWidths()) {
      for (int vn : RegTileVectorCounts()) {
        for (int tile : RegTileSizes()) {
          if (variant == RegTileVariantId(kernel, vw, vn, tile)) return RegTileVariant{kernel, vw, vn, tile};
        }
      }
    }
  }
  return std::nullopt;
}

const std::vector<std::string>& LocalTileKernels(bool conv) {
  static const std::vector<std::string> linear{"gemm_local", "gemm_splitk"}, conv2d{"conv_local", "conv_local_im2col", "conv_splitk"};
  return conv ? conv2d : linear;
}
const std::vector<int>& LocalTileSplits() {
  static const std::vector<int> splits{2, 4, 8, 16};
  return splits;
}
std::string LocalTileVariantId(const LocalTileVariant& v) {
  return v.kernel + "_" + std::to_string(v.mwg) + "x" + std::to_string(v.nwg) + "x" + std::to_string(v.kwg) + "_" +
         std::to_string(v.mwi) + "x" + std::to_string(v.nwi) + (v.SplitK() ? "_s" + std::to_string(v.splits) : "");
}

std::optional<LocalTileVariant> ParseLocalTileVariant(const std::string& variant, bool conv, std::string* why) {
  auto refuse = [why](const std::string& what) -> std::optional<LocalTileVariant> {
    if (why) *why = what;
    return std::nullopt;
  };
  // The longest kernel name first: conv_local is a prefix of conv_local_im2col.
  std::vector<std::string> kernels = LocalTileKernels(conv);
  std::sort(kernels.begin(), kernels.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& kernel : kernels) {
    if (variant.compare(0, kernel.size() + 1, kernel + "_") != 0) continue;
    LocalTileVariant v;
    v.kernel = kernel;
    char tail = 0;
    const bool split = IsSplitKKernel(kernel);
    const int fields = split ? std::sscanf(variant.c_str() + kernel.size() + 1, "%4dx%4dx%4d_%4dx%4d_s%4d%c", &v.mwg, &v.nwg,
                                           &v.kwg, &v.mwi, &v.nwi, &v.splits, &tail)
                             : std::sscanf(variant.c_str() + kernel.size() + 1, "%4dx%4dx%4d_%4dx%4d%c", &v.mwg, &v.nwg, &v.kwg,
                                           &v.mwi, &v.nwi, &tail);
    if (fields != (split ? 6 : 5) || LocalTileVariantId(v) != variant)
      return std::nullopt;  // not this grammar at all (the caller lists what it accepts)
    auto in = [](int x, std::initializer_list<int> set) { return std::find(set.begin(), set.end(), x) != set.end(); };
    if (split && std::find(LocalTileSplits().begin(), LocalTileSplits().end(), v.splits) == LocalTileSplits().end())
      return refuse("splits " + std::to_string(v.splits) + " must be 2, 4, 8 or 16");
    if (!in(v.mwg, {16, 32, 64, 128}) || !in(v.nwg, {16, 32, 64, 128}))
      return refuse("tile " + std::to_string(v.mwg) + "x" + std::to_string(v.nwg) + ": MWG and NWG must be 16, 32, 64 or 128");
    if (!in(v.kwg, {8, 16, 32})) return refuse("KWG " + std::to_string(v.kwg) + " must be 8, 16 or 32");
    if (!in(v.mwi, {1, 2, 4, 8}) || !in(v.nwi, {1, 2, 4, 8}))
      return refuse("work-item tile " + std::to_string(v.mwi) + "x" + std::to_string(v.nwi) + ": MWI and NWI must be 1, 2, 4 or 8");
    const int wgs = v.WorkGroupSize();
    if (wgs < 16 || wgs > 1024)
      return refuse(std::to_string(wgs) + " work-items per work-group (MWG/MWI x NWG/NWI); must be 16 to 1024");
    if (v.kwg * v.nwg < wgs)
      return refuse("KWG x NWG = " + std::to_string(v.kwg * v.nwg) + " is less than the " + std::to_string(wgs) +
                    " work-items that gather it");
    return v;
  }
  return std::nullopt;
}

const std::vector<LocalTileVariant>& LocalTileShortlist(bool conv) {
  auto list = [](const std::vector<std::string>& kernels) {
    // {MWG, NWG, KWG, MWI, NWI}: small tiles for layers with few output tiles (132 SMs on an H200), large
    // ones for the rest; 64 to 256 work-items.
    static const int tiles[][5] = {{16, 64, 16, 2, 4}, {32, 32, 16, 4, 4}, {32, 64, 16, 4, 4}, {64, 32, 16, 4, 4},
                                   {64, 64, 16, 4, 4}, {64, 64, 8, 8, 8},   {64, 64, 32, 8, 4}, {64, 128, 16, 8, 8},
                                   {128, 64, 16, 8, 8}, {128, 128, 16, 8, 8}, {32, 64, 32, 4, 8}};
    std::vector<LocalTileVariant> out;
    for (const auto& k : kernels) {
      if (IsSplitKKernel(k)) {
        // Split-K is for layers with few output tiles: two small tiles, each at every part count (conv: few
        // channels x positions; linear: few rows m, so tiles short along m).
        static const int convTiles[][5] = {{32, 16, 16, 4, 2}, {64, 32, 16, 4, 4}};
        static const int linearTiles[][5] = {{16, 64, 16, 2, 4}, {32, 64, 16, 4, 4}};
        for (const auto& t : k == "conv_splitk" ? convTiles : linearTiles)
          for (int s : LocalTileSplits()) {
            LocalTileVariant v{k, t[0], t[1], t[2], t[3], t[4]};
            v.splits = s;
            out.push_back(v);
          }
        continue;
      }
      for (const auto& t : tiles) out.push_back(LocalTileVariant{k, t[0], t[1], t[2], t[3], t[4]});
    }
    return out;
  };
  static const std::vector<LocalTileVariant> linear = list(LocalTileKernels(false)), conv2d = list(LocalTileKernels(true));
  return conv ? conv2d : linear;
}

namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "|") + x;
  return s;
}

// Reads the fields of one JSON object; remembers which keys were read so Finish() can refuse the rest.
class Fields {
 public:
  Fields(const Json& obj, std::string where) : obj_(obj), where_(std::move(where)) {
    if (!obj.IsObject()) Fail("", "must be an object");
  }
  [[noreturn]] void Fail(const std::string& field, const std::string& what) const {
    throw PlanError(where_ + (field.empty() ? "" : (where_.empty() ? "" : ": ") + field) + ": " + what);
  }
  const Json* Get(const std::string& key, bool required) {
    seen_.push_back(key);
    const Json* v = obj_.Find(key);
    if (!v && required) Fail(key, "missing");
    return v;
  }
  int Int(const std::string& key, bool required, int def, int64_t lo, int64_t hi) {
    const Json* v = Get(key, required);
    if (!v) return def;
    if (!v->IsInteger()) Fail(key, "must be an integer, got " + v->Dump());
    int64_t x = v->AsInt();
    if (x < lo || x > hi) Fail(key, std::to_string(x) + " out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return static_cast<int>(x);
  }
  double Num(const std::string& key, bool required, double def, double lo, double hi) {
    const Json* v = Get(key, required);
    if (!v) return def;
    if (!v->IsNumber()) Fail(key, "must be a number, got " + v->Dump());
    double x = v->AsDouble();
    if (!(x >= lo && x <= hi)) Fail(key, v->Dump() + " out of range [" + Fmt(lo) + ", " + Fmt(hi) + "]");
    return x;
  }
  // An optional number that must be > 0: a bound "at most x" that 0 would make impossible to meet.
  std::optional<double> PositiveNum(const std::string& key, const std::string& meaning) {
    if (!obj_.Find(key)) return std::nullopt;
    const double x = Num(key, false, 0, -std::numeric_limits<double>::max(), std::numeric_limits<double>::max());
    if (!(x > 0)) Fail(key, Fmt(x) + " must be > 0 (" + meaning + ")");
    return x;
  }
  std::string Str(const std::string& key, bool required, const std::string& def,
                  const std::vector<std::string>& allowed = {}) {
    const Json* v = Get(key, required);
    if (!v) return def;
    if (!v->IsString()) Fail(key, "must be a string, got " + v->Dump());
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v->AsString()) == allowed.end())
      Fail(key, "unknown value \"" + v->AsString() + "\" (expected " + Join(allowed) + ")");
    return v->AsString();
  }
  void Finish() const {
    for (const auto& kv : obj_.Members()) {
      if (std::find(seen_.begin(), seen_.end(), kv.first) == seen_.end()) Fail(kv.first, "unknown field");
    }
  }
  const std::string& where() const { return where_; }

 private:
  static std::string Fmt(double x) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", x);
    return b;
  }
  const Json& obj_;
  std::string where_;
  std::vector<std::string> seen_;
};

constexpr int64_t kMaxDim = 1 << 24;
constexpr double kMaxElements = 2147483647.0;  // kernels index with 32-bit ints inside a tensor

Strategy ParseStrategy(const Json& j, const std::string& where, bool roundtrip, const Layer* layer) {
  Fields f(j, where);
  Strategy s;
  s.json = j;
  s.sync = f.Str("sync", true, "", SyncNames());
  bool conv = layer && layer->conv;
  bool req = !roundtrip;
  s.splitRatio = f.Num("splitRatio", req, 0, 0, 1);
  s.granularity = f.Int("granularity", false, 1, 1, kMaxDim);
  s.cpuThreads = f.Int("cpuThreads", req, 1, 0, 256);
  // "none" (and 0 threads) are accepted for the side that gets no rows: the harness's normalized form.
  auto withNone = [](std::vector<std::string> v) { v.push_back("none"); return v; };
  s.cpuImpl = f.Str("cpuImpl", req, "", roundtrip ? std::vector<std::string>{} : withNone(CpuImplVariants(conv)));
  s.gpuVariant = f.Str("gpuVariant", req, "", {});
  if (!roundtrip) {
    const auto& names = GpuVariantNames(conv);
    std::string localWhy;
    if (s.gpuVariant != "none" && std::find(names.begin(), names.end(), s.gpuVariant) == names.end() &&
        !ParseRegTileVariant(s.gpuVariant, conv) && !ParseLocalTileVariant(s.gpuVariant, conv, &localWhy)) {
      if (!localWhy.empty()) f.Fail("gpuVariant", s.gpuVariant + ": " + localWhy);
      std::string expected;
      for (const auto& n : withNone(names)) expected += n + "|";
      for (const auto& k : RegTileKernels(conv))
        expected += k + "_v{4,8,16}[x2|x4]_" + (k == "linear_reg" ? "m" : "q") + "{1,2,4,8,16}|";
      for (const auto& k : LocalTileKernels(conv)) expected += k + "_<MWG>x<NWG>x<KWG>_<MWI>x<NWI>|";
      expected.pop_back();
      f.Fail("gpuVariant", "unknown value \"" + s.gpuVariant + "\" (expected " + expected + ")");
    }
  }
  s.gpuWorkGroup = f.Int("gpuWorkGroup", req, 64, 1, 1024);
  if (!roundtrip) {
    s.splitDim = f.Str("splitDim", false, "", SplitDimNames(conv));
    if (s.SplitsOuter() && s.SplitExtent(*layer) < 2) {
      const std::string what = conv ? "P (output height)" : "M";
      f.Fail("splitDim", "\"" + s.splitDim + "\" splits along " + what + ", which is " +
                             std::to_string(s.SplitExtent(*layer)) + " on this layer: nothing to split");
    }
    const int out = s.SplitExtent(*layer);
    const int cpuRows = s.CpuRows(out);
    if (cpuRows > 0 && (s.cpuImpl == "none" || s.cpuThreads == 0))
      f.Fail(s.cpuImpl == "none" ? "cpuImpl" : "cpuThreads",
             "the CPU gets " + std::to_string(cpuRows) + " rows but has no implementation or threads");
    if (cpuRows < out && s.gpuVariant == "none")
      f.Fail("gpuVariant", "none, but the GPU gets " + std::to_string(out - cpuRows) + " rows");
    int wg = s.gpuWorkGroup;
    if (wg & (wg - 1)) f.Fail("gpuWorkGroup", std::to_string(wg) + " is not a power of two");
    if (IsTiledVariant(s.gpuVariant) && wg > 32)
      f.Fail("gpuWorkGroup", std::to_string(wg) + " too large for " + s.gpuVariant + " (tile edge, at most 32)");
    if (s.gpuVariant == "gemv_vec4" && wg < 4) f.Fail("gpuWorkGroup", "gemv_vec4 needs at least 4 (its rows per work-group)");
    if (s.gpuVariant == "gemv_rows" && wg < kGemvRowsPerPass)
      f.Fail("gpuWorkGroup", "gemv_rows needs at least " + std::to_string(kGemvRowsPerPass) + " (one work-item writes each of its rows)");
    s.gpuStreams = f.Int("gpuStreams", false, 1, 1, kMaxGpuStreams);
    if (s.gpuStreams > 1 && cpuRows < out) {
      // The chunks run on cl_mem buffers copied from pinned host memory (sync_streams.cpp).
      if (s.sync != "finish" && s.sync != "event-poll")
        f.Fail("gpuStreams", std::to_string(s.gpuStreams) + " needs sync finish or event-poll (copies of the GPU's "
                             "share, chunk by chunk), not " + s.sync);
      if (s.gpuVariant == "clblast")
        f.Fail("gpuStreams", std::to_string(s.gpuStreams) + " cannot be used with clblast (the library enqueues the "
                             "whole share on one queue)");
    }
  }
  f.Finish();
  return s;
}

}  // namespace

Layer ParseLayer(const Json& j, const std::string& where) {
  Fields f(j, where);
  Layer l;
  l.json = j;
  std::string type = f.Str("type", true, "", {"linear", "conv2d"});
  l.conv = type == "conv2d";
  if (!l.conv) {
    l.linear.M = f.Int("M", true, 1, 1, kMaxDim);
    l.linear.N = f.Int("N", true, 1, 1, kMaxDim);
    l.linear.K = f.Int("K", true, 1, 1, kMaxDim);
  } else {
    auto& c = l.conv2d;
    c.batch = f.Int("batch", true, 1, 1, kMaxDim);
    c.C = f.Int("C", true, 1, 1, kMaxDim);
    c.H = f.Int("H", true, 1, 1, kMaxDim);
    c.W = f.Int("W", true, 1, 1, kMaxDim);
    c.F = f.Int("F", true, 1, 1, kMaxDim);
    c.R = f.Int("R", true, 1, 1, kMaxDim);
    c.S = f.Int("S", true, 1, 1, kMaxDim);
    c.strideH = f.Int("strideH", true, 1, 1, kMaxDim);
    c.strideW = f.Int("strideW", true, 1, 1, kMaxDim);
    c.padH = f.Int("padH", true, 0, 0, kMaxDim);
    c.padW = f.Int("padW", true, 0, 0, kMaxDim);
    if (c.H + 2 * c.padH < c.R) f.Fail("R", "filter taller than the padded input");
    if (c.W + 2 * c.padW < c.S) f.Fail("S", "filter wider than the padded input");
  }
  f.Finish();
  double im2col = l.conv ? double(l.conv2d.batch) * l.ReductionLength() * l.conv2d.P() * l.conv2d.Q() : 0;
  if (double(l.XCount()) > kMaxElements || double(l.WCount()) > kMaxElements ||
      double(l.YCount()) > kMaxElements || im2col > kMaxElements)
    f.Fail("", "tensor too large (more than 2^31 - 1 elements)");
  return l;
}

Plan ParsePlan(const Json& doc) {
  Plan plan;
  Fields top(doc, "plan");
  int version = top.Int("schemaVersion", true, 1, 0, 1000);
  if (version != 1) top.Fail("schemaVersion", std::to_string(version) + " not supported (this engine reads 1)");
  plan.planId = top.Str("planId", true, "");
  if (const Json* d = top.Get("device", false)) {
    Fields f(*d, "plan: device");
    plan.device.platformContains = f.Str("platformContains", false, "");
    plan.device.deviceContains = f.Str("deviceContains", false, "");
    plan.device.deviceType = f.Str("deviceType", false, "gpu-or-cpu", {"gpu", "cpu", "gpu-or-cpu"});
    f.Finish();
  }
  if (const Json* a = top.Get("cpuAffinity", false)) {
    if (!a->IsArray()) top.Fail("cpuAffinity", "must be an array of core numbers");
    for (const auto& c : a->Items()) {
      if (!c.IsInteger() || c.AsInt() < 0 || c.AsInt() > 4095) top.Fail("cpuAffinity", "bad core number " + c.Dump());
      plan.cpuAffinity.push_back(static_cast<int>(c.AsInt()));
    }
  }
  if (const Json* d = top.Get("driverCore", false)) {
    if (!d->IsNull()) {
      if (!d->IsInteger() || d->AsInt() < 0 || d->AsInt() > 4095) top.Fail("driverCore", "bad core number " + d->Dump());
      plan.driverCore = static_cast<int>(d->AsInt());
    }
  }
  if (const Json* a = top.Get("deviceCores", false)) {
    if (!a->IsArray()) top.Fail("deviceCores", "must be an array of core numbers");
    for (const auto& c : a->Items()) {
      if (!c.IsInteger() || c.AsInt() < 0 || c.AsInt() > 4095) top.Fail("deviceCores", "bad core number " + c.Dump());
      plan.deviceCores.push_back(static_cast<int>(c.AsInt()));
    }
  }
  if (const Json* k = top.Get("keepDeviceCoresAwake", false)) {
    if (!k->IsBool()) top.Fail("keepDeviceCoresAwake", "must be true or false");
    plan.keepDeviceCoresAwake = k->AsBool();
    if (plan.keepDeviceCoresAwake && plan.deviceCores.empty()) {
      top.Fail("keepDeviceCoresAwake", "needs deviceCores (the cores to keep awake)");
    }
  }
  const Json* jobs = top.Get("jobs", true);
  if (!jobs->IsArray()) top.Fail("jobs", "must be an array");
  top.Finish();

  for (size_t i = 0; i < jobs->Items().size(); ++i) {
    const Json& jj = jobs->Items()[i];
    std::string where = "plan: jobs[" + std::to_string(i) + "]";
    if (jj.IsObject()) {
      if (const Json* id = jj.Find("id"); id && id->IsString()) where += " (id \"" + id->AsString() + "\")";
    }
    Fields f(jj, where);
    Job job;
    job.id = f.Str("id", true, "");
    job.kind = f.Str("kind", true, "", {"layer", "roundtrip", "copy"});
    bool roundtrip = job.kind == "roundtrip";
    if (job.kind == "copy") {
      // A host <-> device copy alone (benchmarks): no layer, no strategy.
      if (f.Get("layer", false)) f.Fail("layer", "not allowed for a copy job");
      if (f.Get("strategy", false)) f.Fail("strategy", "not allowed for a copy job");
      Fields c(*f.Get("copy", true), where + ": copy");
      job.copy.bytes = c.Int("bytes", true, 0, 1, 1 << 30);
      job.copy.direction = c.Str("direction", true, "", {"host-to-device", "device-to-host"});
      job.copy.hostMemory = c.Str("hostMemory", false, "pinned", {"pinned", "pageable"});
      job.copy.queues = c.Int("queues", false, 1, 1, 8);
      if (job.copy.bytes % (job.copy.queues * static_cast<int>(sizeof(float))) != 0)
        c.Fail("queues", "bytes must split into `queues` equal parts of whole floats");
      c.Finish();
    } else {
      if (!roundtrip) job.layer = ParseLayer(*f.Get("layer", true), where + ": layer");
      else if (f.Get("layer", false)) f.Fail("layer", "not allowed for a roundtrip job");
      job.strategy = ParseStrategy(*f.Get("strategy", true), where + ": strategy", roundtrip,
                                   roundtrip ? nullptr : &job.layer);
    }
    job.warmup = f.Int("warmup", false, 3, 0, 100000);
    job.minSamples = f.Int("minSamples", false, 10, 1, 10000000);
    job.minTimeMs = f.Num("minTimeMs", false, 50, 0, 1e9);
    job.maxSamples = f.Int("maxSamples", false, std::max(200, job.minSamples), 1, 10000000);
    job.maxTimeMs = f.Num("maxTimeMs", false, 2000, 0, 1e9);
    job.targetMedianCiPct =
        f.PositiveNum("targetMedianCiPct", "the 95% CI half-width of the median to reach, in % of the median");
    const Json* seed = f.Get("seed", false);
    if (seed) {
      if (!seed->IsInteger() || seed->AsInt() < 0) f.Fail("seed", "must be a non-negative integer");
      job.seed = static_cast<uint64_t>(seed->AsInt());
    }
    if (job.maxSamples < job.minSamples) f.Fail("maxSamples", "smaller than minSamples");
    f.Finish();
    plan.jobs.push_back(std::move(job));
  }
  return plan;
}

std::string StrategyId(const Layer& layer, const Strategy& s) {
  char ratio[32];
  double r100 = s.splitRatio * 100;
  if (std::fabs(r100 - std::round(r100)) < 1e-9) std::snprintf(ratio, sizeof ratio, "%.2f", s.splitRatio);
  else std::snprintf(ratio, sizeof ratio, "%g", s.splitRatio);
  // The default dimension is left out, so ids of plans written before splitDim existed stay the same.
  const bool named = !s.splitDim.empty() && s.splitDim != SplitDimNames(layer.conv).front();
  return layer.Id() + "/r:" + ratio + (named ? "/split:" + s.splitDim : "") + "/t:" + std::to_string(s.cpuThreads) + "/cpu:" + s.cpuImpl + "/gpu:" +
         s.gpuVariant + "-wg" + std::to_string(s.gpuWorkGroup) + "/sync:" + s.sync +
         // Only when not 1, so every id written before gpuStreams existed stays the same.
         (s.gpuStreams != 1 ? "/streams:" + std::to_string(s.gpuStreams) : "");
}

}  // namespace coexec
