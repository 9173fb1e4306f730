// Launch geometry of every GPU variant; see the contract comments in native/kernels/*.cl.
#include "variants.h"

#include <cstdlib>

namespace coexec {

namespace {
size_t RoundUp(size_t x, size_t m) { return (x + m - 1) / m * m; }
size_t CeilDiv(size_t x, size_t m) { return (x + m - 1) / m; }
}  // namespace

std::vector<float> PackWeights(const Layer& layer, int cpuRows, int tileWidth, bool blocked, const float* W) {
  const size_t rows = size_t(layer.Out() - cpuRows), K = size_t(layer.ReductionLength());
  const size_t padded = RoundUp(rows, tileWidth), tw = size_t(tileWidth);
  std::vector<float> packed(K * padded, 0.0f);
  for (size_t j = 0; j < rows; ++j) {
    const float* w = W + (cpuRows + j) * K;
    float* dst = blocked ? packed.data() + (j / tw) * K * tw + j % tw : packed.data() + j;
    const size_t stride = blocked ? tw : padded;
    for (size_t k = 0; k < K; ++k) dst[k * stride] = w[k];
  }
  return packed;
}

namespace {

// What gpuWorkGroup means for a variant: the knob it sets, its range (powers of two) and its meaning.
Json WorkGroupRule(const char* knob, int min, int max, const char* meaning) {
  return Json::Object().Set("knob", knob).Set("min", min).Set("max", max).Set("powerOfTwo", true).Set("meaning", meaning);
}

// The split dimensions a variant's kernels can take (every one of ours: they get both offsets).
Json SplitDims(bool conv) {
  Json a = Json::Array();
  for (const auto& d : SplitDimNames(conv)) a.Push(d);
  return a;
}

Json OneByOneOnly() {
  return Json::Object().Set("R", 1).Set("S", 1).Set("strideH", 1).Set("strideW", 1).Set("padH", 0).Set("padW", 0);
}

// The mechanisms of a variant with helper kernels: svm-resident keeps one kernel resident per job.
Json AllButResident() {
  Json a = Json::Array();
  for (const auto& s : SyncNames())
    if (s != "svm-resident") a.Push(s);
  return a;
}

// The mechanisms of a variant with a helper kernel after its own (split-K's sum): svm-fine's counter counts
// the layer kernel's work-groups, which would then signal before the helper wrote Y, and svm-resident keeps one
// kernel resident per job.
Json WithoutKernelSignal() {
  Json a = Json::Array();
  for (const auto& s : SyncNames())
    if (s != "svm-resident" && s != "svm-fine") a.Push(s);
  return a;
}

// conv_pq's vectors run along contiguous output columns: one input column per output column.
Json UnitStrideWOnly() { return Json::Object().Set("strideW", 1); }

}  // namespace

Json GpuVariantCatalog(bool conv) {
  const char* file = conv ? "conv.cl" : "linear.cl";
  const Json wgs = WorkGroupRule("WGS", 1, 1024, "work-items per work-group (1-D); at most the device's maxWorkGroupSize");
  const Json ts = WorkGroupRule("TS", 1, 32, "tile edge: TS x TS outputs and work-items per work-group");
  Json list = Json::Array();
  for (const auto& v : GpuVariantNames(conv)) {
    Json e = Json::Object().Set("id", v);
    if (v == "clblast") {
      e.Set("kernel", conv ? "CLBlastSconvgemm" : "CLBlastSgemm").Set("library", "libclblast (dlopen)").Set("knobs", Json::Object())
          .Set("workGroup", nullptr).Set("syncs", Json::Array().Push("finish").Push("event-poll"));
      // Sconvgemm writes whole output planes: no split along the output height.
      e.Set("splitDims", conv ? Json::Array().Push("channels") : SplitDims(false));
      list.Push(std::move(e));
      continue;
    }
    Json knobs = Json::Object();
    if (v == "gemv_vec4") knobs.Set("RPW", kVec4RowsPerGroup);
    if (v == "gemv_rows") knobs.Set("MB", kGemvRowsPerPass);
    if (v == "conv_im2col_gemm") knobs.Set("im2colWGS", kIm2colGroup);
    // The profiled (main) kernel is the GEMM only: im2col before it is in the layer's time, not the kernel's.
    if (v == "conv_im2col_gemm") e.Set("helperKernels", Json::Array().Push("im2col")).Set("syncs", AllButResident());
    e.Set("kernel", v).Set("file", file).Set("knobs", std::move(knobs)).Set("workGroup", IsTiledVariant(v) ? ts : wgs);
    if (v == "gemv_vec4") e.Set("workGroup", WorkGroupRule("WGS", kVec4RowsPerGroup, 1024, "work-items per work-group; RPW rows share it"));
    if (v == "gemv_rows") e.Set("workGroup", WorkGroupRule("WGS", kGemvRowsPerPass, 1024, "work-items per work-group (1-D); at least MB"));
    if (v == "conv_1x1_gemm") e.Set("requires", OneByOneOnly());
    e.Set("splitDims", SplitDims(conv));
    list.Push(std::move(e));
  }
  for (const auto& kernel : RegTileKernels(conv)) {
    for (int vw : RegTileVectorWidths()) {
      for (int vn : RegTileVectorCounts()) {
        for (int tile : RegTileSizes()) {
          Json knobs = Json::Object().Set("VW", vw).Set("VN", vn).Set(RegTileKnobName(kernel), tile);
          Json e = Json::Object().Set("id", RegTileVariantId(kernel, vw, vn, tile)).Set("kernel", kernel).Set("file", file)
                       .Set("knobs", std::move(knobs)).Set("workGroup", wgs).Set("packedWeights", kernel != "gemv_reg");
          if (kernel == "conv_reg_1x1" || kernel == "conv_pq_1x1") e.Set("requires", OneByOneOnly());
          if (kernel == "conv_pq") {
            e.Set("requires", UnitStrideWOnly());
            // The profiled (main) kernel is conv_pq only: the padded copy before it is in the layer's time.
            e.Set("helperKernels", Json::Array().Push("conv_pq_pad")).Set("syncs", AllButResident());
          }
          e.Set("splitDims", SplitDims(conv));
          list.Push(std::move(e));
        }
      }
    }
  }
  for (const auto& t : LocalTileShortlist(conv)) {
    Json knobs = Json::Object().Set("MWG", t.mwg).Set("NWG", t.nwg).Set("KWG", t.kwg).Set("MWI", t.mwi).Set("NWI", t.nwi);
    if (t.SplitK()) knobs.Set("KSPLIT", t.splits);
    Json e = Json::Object().Set("id", LocalTileVariantId(t)).Set("kernel", conv ? "conv_local" : "gemm_local")
                 .Set("file", "gemm_local.cl").Set("knobs", std::move(knobs)).Set("workGroup", nullptr)
                 .Set("localSize", Json::Array().Push(t.WorkGroupColumns()).Push(t.WorkGroupRows())).Set("packedWeights", true)
                 .Set("splitDims", SplitDims(conv));
    // Its profiled (main) kernel is the GEMM only: the im2col kernel before it is in the layer's time, not
    // in the kernel time.
    if (t.kernel == "conv_local_im2col") e.Set("helperKernels", Json::Array().Push("gl_im2col")).Set("syncs", AllButResident());
    // Split-K: the layer kernel's parts of the reduction, then their sum (and the bias) by a kernel after it.
    if (t.SplitK())
      e.Set("helperKernelsAfter", Json::Array().Push(conv ? "gl_splitk_sum" : "gemm_splitk_sum")).Set("syncs", WithoutKernelSignal());
    list.Push(std::move(e));
  }
  return list;
}

Json GpuVariantFamilies(bool conv) {
  Json list = Json::Array();
  for (const auto& k : LocalTileKernels(conv)) {
    const bool split = IsSplitKKernel(k);
    Json knobs = Json::Object().Set("MWG", Json::Array().Push(16).Push(32).Push(64).Push(128))
                     .Set("NWG", Json::Array().Push(16).Push(32).Push(64).Push(128))
                     .Set("KWG", Json::Array().Push(8).Push(16).Push(32))
                     .Set("MWI", Json::Array().Push(1).Push(2).Push(4).Push(8))
                     .Set("NWI", Json::Array().Push(1).Push(2).Push(4).Push(8));
    if (split) {
      Json splits = Json::Array();
      for (int s : LocalTileSplits()) splits.Push(s);
      knobs.Set("KSPLIT", std::move(splits));
    }
    Json f = Json::Object().Set("kernel", k).Set("file", "gemm_local.cl")
                 .Set("id", k + "_<MWG>x<NWG>x<KWG>_<MWI>x<NWI>" + (split ? "_s<KSPLIT>" : ""))
                 .Set("knobs", std::move(knobs))
                 .Set("constraints", "MWI <= MWG, NWI <= NWG, 16 <= (MWG/MWI)*(NWG/NWI) <= 1024 work-items, KWG*NWG >= work-items")
                 .Set("listed", "gpuVariants lists a shortlist; every id within the knobs and constraints is accepted");
    if (k == "conv_local_im2col") f.Set("syncs", AllButResident());
    if (split) f.Set("syncs", WithoutKernelSignal());
    list.Push(std::move(f));
  }
  return list;
}

namespace {

// Split-K (gemm_splitk, conv_splitk): the layer kernel, built with KSPLIT, writes each part's tiles into the Col
// scratch (`partFloats` floats a part) instead of into Y; WGS is the work-group size of the sum after it.
void WritePartsToCol(VariantPlan& p, LaunchSpec& main, const LocalTileVariant& t, size_t partFloats) {
  p.knobs.push_back({"KSPLIT", t.splits});
  p.knobs.push_back({"WGS", kIm2colGroup});
  p.colCount = size_t(t.splits) * partFloats;
  main.tensors[3] = TensorArg::Col;
}

// Split-K's sum, launched after the layer kernel: one work-item per output of the GPU's block (`outputs`) adds the
// parts from the Col scratch and the bias into Y (gemm_local.cl gemm_splitk_sum, gl_splitk_sum).
LaunchSpec SplitKSum(const std::string& kernel, std::vector<int> scalars, size_t outputs) {
  LaunchSpec sum;
  sum.kernel = kernel;
  sum.scalars = std::move(scalars);
  sum.tensors = {TensorArg::Col, TensorArg::B, TensorArg::Y};
  sum.global[0] = RoundUp(outputs, kIm2colGroup);
  sum.local[0] = kIm2colGroup;
  return sum;
}

// The local-tiled variants (gemm_local.cl): one 2-D (linear) or 3-D (conv, batch in dimension 2) launch of
// NDIMC x MDIMC work-items per output tile, after gl_im2col for conv_local_im2col. The tiles cover the GPU's
// block: channels / features [cpuRows, OUT) of the rows (m or p) [outer, M or P).
VariantPlan PlanLocalTile(const Layer& layer, const LocalTileVariant& t, int cpuRows, int outer, const DeviceCaps& caps) {
  const std::string id = LocalTileVariantId(t);
  const size_t wgs = size_t(t.WorkGroupSize());
  if (caps.maxWorkGroupSize && wgs > caps.maxWorkGroupSize)
    throw VariantRefused(id + " needs " + std::to_string(wgs) + " work-items per group; device allows " +
                         std::to_string(caps.maxWorkGroupSize));
  const size_t localBytes = size_t(t.kwg) * (t.mwg + t.nwg) * sizeof(float);
  if (caps.localMemBytes && localBytes > caps.localMemBytes)
    throw VariantRefused(id + " needs " + std::to_string(localBytes) + " bytes of local memory; device has " +
                         std::to_string(caps.localMemBytes));
  const int gpuRows = layer.Out() - cpuRows;
  VariantPlan p;
  p.file = "gemm_local.cl";
  p.knobs = {{"MWG", t.mwg}, {"NWG", t.nwg}, {"KWG", t.kwg}, {"MWI", t.mwi}, {"NWI", t.nwi}};
  LaunchSpec main;
  main.main = true;
  main.tensors = {TensorArg::X, TensorArg::PackedW, TensorArg::B, TensorArg::Y};
  main.local[0] = t.WorkGroupColumns();
  main.local[1] = t.WorkGroupRows();
  if (!layer.conv) {
    const auto& l = layer.linear;
    p.packTileWidth = t.nwg;  // the split dimension n is the tile's columns
    main.kernel = "gemm_local";
    main.dims = 2;
    main.scalars = {l.M, l.N, l.K, cpuRows, outer};
    main.global[0] = CeilDiv(gpuRows, t.nwg) * main.local[0];
    main.global[1] = CeilDiv(l.M - outer, t.mwg) * main.local[1];
    if (!t.SplitK()) {
      p.launches.push_back(main);
      return p;
    }
    // gemm_local in KSPLIT parts of the reduction (group dimension 2) into the partial buffer
    // part[ks][m - outer][j]; gemm_splitk_sum, launched after it, adds the parts and the bias.
    const size_t outputs = size_t(l.M - outer) * gpuRows;
    WritePartsToCol(p, main, t, outputs);
    main.dims = 3;
    main.global[2] = t.splits;
    p.launches.push_back(main);
    p.launches.push_back(SplitKSum("gemm_splitk_sum", {l.M, l.N, gpuRows, cpuRows, outer}, outputs));
    return p;
  }
  const auto& c = layer.conv2d;
  p.packTileWidth = t.mwg;  // the split dimension f is the tile's rows
  main.kernel = "conv_local";
  main.dims = 3;
  const size_t pqOffset = size_t(outer) * c.Q(), gpuPositions = size_t(c.P()) * c.Q() - pqOffset;
  main.scalars = {c.batch, c.C, c.H, c.W, c.F, c.R, c.S, c.strideH, c.strideW, c.padH, c.padW, c.P(), c.Q(), cpuRows,
                  int(pqOffset)};
  main.global[0] = CeilDiv(gpuPositions, t.nwg) * main.local[0];
  main.global[1] = CeilDiv(gpuRows, t.mwg) * main.local[1];
  main.global[2] = c.batch;
  const bool plain1x1 = c.R == 1 && c.S == 1 && c.strideH == 1 && c.strideW == 1 && c.padH == 0 && c.padW == 0;
  const bool split = t.SplitK();
  if (split) {
    // conv_local in KSPLIT parts of the reduction (group dimension 2: image, part) into the partial buffer
    // part[ks][bb][j][pq] (positions before an outer split's pqOffset unused); gl_splitk_sum, launched after it,
    // adds the parts and the bias into Y.
    WritePartsToCol(p, main, t, size_t(c.batch) * gpuRows * c.P() * c.Q());
    main.global[2] = size_t(c.batch) * t.splits;
  }
  if (t.kernel == "conv_local_im2col") {
    p.knobs.push_back({"GL_PLAIN", 1});
    p.knobs.push_back({"WGS", kIm2colGroup});
    p.colCount = size_t(c.batch) * c.C * c.R * c.S * c.P() * c.Q();
    LaunchSpec col;
    col.kernel = "gl_im2col";
    col.scalars = {c.batch, c.C, c.H, c.W, c.R, c.S, c.strideH, c.strideW, c.padH, c.padW, c.P(), c.Q(), int(pqOffset)};
    col.tensors = {TensorArg::X, TensorArg::Col};
    col.global[0] = RoundUp(size_t(c.batch) * c.C * c.R * c.S * gpuPositions, kIm2colGroup);
    col.local[0] = kIm2colGroup;
    p.launches.push_back(col);
    main.tensors[0] = TensorArg::Col;
  } else if (plain1x1) {
    p.knobs.push_back({"GL_PLAIN", 1});  // the input already is the [C][H*W] matrix: no gather arithmetic
  } else {
    // The program is built for this layer: filter shape and strides as constants (the gather's divisions).
    p.knobs.insert(p.knobs.end(), {{"KR", c.R}, {"KS", c.S}, {"KSH", c.strideH}, {"KSW", c.strideW}});
  }
  p.launches.push_back(main);
  if (split)
    p.launches.push_back(SplitKSum("gl_splitk_sum", {c.batch, c.F, gpuRows, cpuRows, c.P() * c.Q(), int(pqOffset)},
                                   size_t(c.batch) * gpuRows * gpuPositions));
  return p;
}

}  // namespace

VariantPlan PlanVariant(const Layer& layer, const Strategy& s, const SplitGeometry& split, const DeviceCaps& caps) {
  const std::string& v = s.gpuVariant;
  if (const auto local = ParseLocalTileVariant(v, layer.conv)) {
    return PlanLocalTile(layer, *local, split.channelOffset, split.outerOffset, caps);
  }
  const int wg = s.gpuWorkGroup;
  // The GPU's block: channels / features [cpuRows, OUT) of the rows (m or p) [outer, M or P).
  const int cpuRows = split.channelOffset, outer = split.outerOffset;
  const int gpuRows = layer.Out() - cpuRows;
  const size_t groupItems = IsTiledVariant(v) ? size_t(wg) * wg : size_t(wg);
  if (caps.maxWorkGroupSize && groupItems > caps.maxWorkGroupSize)
    throw VariantRefused(v + " with gpuWorkGroup " + std::to_string(wg) + " needs " + std::to_string(groupItems) +
                         " work-items per group; device allows " + std::to_string(caps.maxWorkGroupSize));
  VariantPlan p;
  LaunchSpec main;
  main.kernel = v;
  main.main = true;
  main.tensors = {TensorArg::X, TensorArg::W, TensorArg::B, TensorArg::Y};
  const auto reg = ParseRegTileVariant(v, layer.conv);
  if (reg) {
    main.kernel = reg->kernel;
    main.local[0] = wg;
    const size_t blocks = CeilDiv(gpuRows, reg->TileWidth());
    size_t tiles = 0;
    if (reg->kernel == "gemv_reg") {  // reads W as it is: its rows are contiguous along K, as it loads them
      const auto& l = layer.linear;
      p.file = "linear.cl";
      p.knobs = {{"WGS", wg}, {"VW", reg->vectorWidth}, {"VN", reg->vectors}, {"RN", reg->tile}};
      main.scalars = {l.M, l.N, l.K, cpuRows, outer};
      main.global[0] = RoundUp(blocks, wg);  // a work-item per block of RN features (the kernel takes fewer too)
      p.launches.push_back(main);
      return p;
    }
    p.packTileWidth = reg->TileWidth();
    // A CPU device (PoCL) streams each work-item's weights best from one contiguous block; GPUs coalesce
    // neighbouring work-items' reads in the k-major layout.
    // Test hook (native/tests/run.sh): COEXEC_TEST_PACK_KMAJOR=1 takes the GPU layout on a CPU device too.
    p.packBlocked = (caps.type & CL_DEVICE_TYPE_CPU) != 0 && !std::getenv("COEXEC_TEST_PACK_KMAJOR");
    main.tensors[1] = TensorArg::PackedW;
    if (!layer.conv) {
      const auto& l = layer.linear;
      p.file = "linear.cl";
      p.knobs = {{"WGS", wg}, {"VW", reg->vectorWidth}, {"VN", reg->vectors}, {"RM", reg->tile}, {"WP_BLOCKED", p.packBlocked}};
      main.scalars = {l.M, l.N, l.K, cpuRows, outer};
      tiles = CeilDiv(l.M - outer, reg->tile) * blocks;
    } else {
      const auto& c = layer.conv2d;
      p.file = "conv.cl";
      p.knobs = {{"WGS", wg}, {"VW", reg->vectorWidth}, {"VN", reg->vectors}, {RegTileKnobName(reg->kernel), reg->tile},
                 {"WP_BLOCKED", p.packBlocked}};
      if (reg->kernel == "conv_reg_1x1" || reg->kernel == "conv_pq_1x1") {
        if (c.R != 1 || c.S != 1 || c.strideH != 1 || c.strideW != 1 || c.padH != 0 || c.padW != 0)
          throw VariantRefused(v + " needs R = S = 1, stride 1x1 and pad 0x0; layer has R=" + std::to_string(c.R) +
                               " S=" + std::to_string(c.S) + " stride " + std::to_string(c.strideH) + "x" +
                               std::to_string(c.strideW) + " pad " + std::to_string(c.padH) + "x" +
                               std::to_string(c.padW));
        main.scalars = {c.batch, c.C, c.H, c.W, c.F, cpuRows, outer * c.Q()};
        // Positions per tile: RQ (conv_reg_1x1) or VN vectors of VW (conv_pq_1x1, whose work-item walks all
        // of the GPU's channel blocks).
        const int positions = reg->TileAlongSplit() ? reg->vectorWidth * reg->vectors : reg->tile;
        tiles = size_t(c.batch) * (reg->TileAlongSplit() ? 1 : blocks) *
                CeilDiv(size_t(c.H) * c.W - size_t(outer) * c.Q(), positions);
      } else if (reg->kernel == "conv_pq") {
        if (c.strideW != 1)
          throw VariantRefused(v + " needs stride 1 along the width; layer has stride " + std::to_string(c.strideH) +
                               "x" + std::to_string(c.strideW));
        // conv_pq_pad first copies X zero-padded, its rows and columns covering every tile of VN output rows x
        // VW output columns (past P and Q included), so that conv_pq reads without bounds tests.
        const size_t pBlocks = CeilDiv(c.P() - outer, reg->vectors), qBlocks = CeilDiv(c.Q(), reg->vectorWidth);
        const int wx = int(qBlocks * reg->vectorWidth) + c.S - 1;
        const int hx = int((outer + pBlocks * reg->vectors - 1) * c.strideH) + c.R, hx0 = outer * c.strideH;
        p.knobs.insert(p.knobs.end(), {{"KR", c.R}, {"KS", c.S}, {"KSH", c.strideH}, {"KSW", c.strideW}});
        p.colCount = size_t(c.batch) * c.C * hx * wx;
        LaunchSpec pad;
        pad.kernel = "conv_pq_pad";
        pad.scalars = {c.batch, c.C, c.H, c.W, c.padH, c.padW, hx, wx, hx0};
        pad.tensors = {TensorArg::X, TensorArg::Col};
        pad.global[0] = size_t(c.batch) * c.C;  // a work-item per channel plane
        pad.local[0] = 1;
        p.launches.push_back(pad);
        main.tensors[0] = TensorArg::Col;
        main.scalars = {c.batch, c.C, hx, wx, c.F, c.P(), c.Q(), cpuRows, outer};
        tiles = size_t(c.batch) * pBlocks * qBlocks;  // a work-item walks all of the GPU's channel blocks
      } else {
        main.scalars = {c.batch, c.C, c.H, c.W, c.F, c.R, c.S, c.strideH, c.strideW, c.padH, c.padW,
                        c.P(), c.Q(), cpuRows, outer};
        // The program is built for this layer: filter shape and strides as constants unroll the tap loops.
        p.knobs.insert(p.knobs.end(), {{"KR", c.R}, {"KS", c.S}, {"KSH", c.strideH}, {"KSW", c.strideW}});
        tiles = size_t(c.batch) * blocks * (c.P() - outer) * CeilDiv(c.Q(), reg->tile);
      }
    }
    main.global[0] = RoundUp(tiles, wg);
    p.launches.push_back(main);
    return p;
  }
  if (!layer.conv) {
    const auto& l = layer.linear;
    p.file = "linear.cl";
    main.scalars = {l.M, l.N, l.K, cpuRows, outer};
    if (v == "gemv_row" || v == "gemv_row4" || v == "gemv_rows") {
      // One work-group per output row; gemv_row4 keeps four float4 loads in flight, gemv_rows sums MB rows m at once.
      p.knobs = {{"WGS", wg}};
      if (v == "gemv_rows") p.knobs.push_back({"MB", kGemvRowsPerPass});
      main.global[0] = size_t(gpuRows) * wg;
      main.local[0] = wg;
    } else if (v == "gemv_vec4") {
      p.knobs = {{"WGS", wg}, {"RPW", kVec4RowsPerGroup}};
      main.global[0] = RoundUp(gpuRows, kVec4RowsPerGroup) / kVec4RowsPerGroup * wg;
      main.local[0] = wg;
    } else if (v == "clblast") {
      p.clblast = true;  // the library picks its own kernels and geometry; rows m >= outer through offsets
      return p;
    } else if (v == "gemm_tiled") {
      p.knobs = {{"TS", wg}};
      main.dims = 2;
      main.global[0] = RoundUp(gpuRows, wg);
      main.global[1] = RoundUp(l.M - outer, wg);
      main.local[0] = main.local[1] = wg;
    } else {
      throw VariantRefused("unknown linear variant " + v);
    }
  } else {
    const auto& c = layer.conv2d;
    const int P = c.P(), Q = c.Q(), K = c.C * c.R * c.S;
    p.file = "conv.cl";
    if (v == "conv_direct") {
      p.knobs = {{"WGS", wg}};
      main.scalars = {c.batch, c.C, c.H, c.W, c.F, c.R, c.S, c.strideH, c.strideW, c.padH, c.padW, P, Q, cpuRows, outer};
      main.global[0] = RoundUp(size_t(c.batch) * gpuRows * (P - outer) * Q, wg);
      main.local[0] = wg;
    } else if (v == "conv_im2col_gemm" || v == "conv_1x1_gemm") {
      if (v == "conv_1x1_gemm" &&
          (c.R != 1 || c.S != 1 || c.strideH != 1 || c.strideW != 1 || c.padH != 0 || c.padW != 0))
        throw VariantRefused("conv_1x1_gemm needs R = S = 1, stride 1x1 and pad 0x0; layer has R=" +
                             std::to_string(c.R) + " S=" + std::to_string(c.S) + " stride " +
                             std::to_string(c.strideH) + "x" + std::to_string(c.strideW) + " pad " +
                             std::to_string(c.padH) + "x" + std::to_string(c.padW));
      p.knobs = {{"TS", wg}};
      main.dims = 3;
      main.scalars = {c.F, K, P * Q, cpuRows, outer * Q};
      main.global[0] = RoundUp(size_t(P - outer) * Q, wg);
      main.global[1] = RoundUp(gpuRows, wg);
      main.global[2] = c.batch;
      main.local[0] = main.local[1] = wg;
      if (v == "conv_im2col_gemm") {
        p.knobs.push_back({"WGS", kIm2colGroup});
        p.colCount = size_t(c.batch) * K * P * Q;
        LaunchSpec col;
        col.kernel = "im2col";
        col.scalars = {c.batch, c.C, c.H, c.W, c.R, c.S, c.strideH, c.strideW, c.padH, c.padW, P, Q, outer * Q};
        col.tensors = {TensorArg::X, TensorArg::Col};
        col.global[0] = RoundUp(size_t(c.batch) * K * (P - outer) * Q, kIm2colGroup);
        col.local[0] = kIm2colGroup;
        p.launches.push_back(col);
        main.tensors[0] = TensorArg::Col;
      }
    } else if (v == "clblast") {
      if (split.outer)
        throw VariantRefused("clblast: CLBlastSconvgemm writes whole output planes, so it cannot take a split along "
                             "the output height (splitDim \"height\"); use splitDim \"channels\"");
      // CLBlastSconvgemm writes the GPU's channels without bias; conv_bias_rows then adds it (enqueued after
      // the library's kernels, part of the variant's time).
      p.clblast = true;
      LaunchSpec bias;
      bias.kernel = "conv_bias_rows";
      bias.scalars = {c.batch, c.F, P * Q, cpuRows};
      bias.tensors = {TensorArg::B, TensorArg::Y};
      bias.global[0] = RoundUp(size_t(c.batch) * gpuRows * P * Q, kIm2colGroup);
      bias.local[0] = kIm2colGroup;
      p.knobs = {{"WGS", kIm2colGroup}};
      p.launches.push_back(bias);
      return p;
    } else {
      throw VariantRefused("unknown conv2d variant " + v);
    }
  }
  p.launches.push_back(main);
  return p;
}

}  // namespace coexec
