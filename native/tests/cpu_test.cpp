// coexec-cpu-test: checks every CPU implementation (each ISA-pinned simd variant this machine can run, and
// OpenBLAS where present) against the double-precision references over awkward shapes, row ranges and
// thread counts, plus the thread pool's work split. No framework: one line per failed case, one per skipped
// implementation, and the summary line "SUITE cpu: N passed, N failed" last. Exit status 1 on any failure.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <memory>
#include <string>
#include <vector>

#include "cpu/cpu_layers.h"

using namespace coexec;

namespace {

int passed = 0, failed = 0;

void Fail(const std::string& what) {
  ++failed;
  std::printf("FAIL %s\n", what.c_str());
}

void Check(bool ok, const std::string& what) {
  if (ok) ++passed;
  else Fail(what);
}

// Deterministic inputs in [-1, 1) (xorshift), so a failure reproduces exactly.
std::vector<float> Random(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& e : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    e = static_cast<float>(x >> 8) / 8388608.0f - 1.0f;
  }
  return v;
}

std::vector<float> Abs(std::vector<float> v) {
  for (auto& e : v) e = std::fabs(e);
  return v;
}

const float kSentinel = -12345.0f;  // pre-filled output: rows outside the CPU range must keep it

// Compares Y with the reference on rows [row0, row1) of the split dimension and checks all other rows were
// left alone. Tolerance: float rounding over a reduction grows with the sum of |terms| (refAbs, the
// reference over |X|, |W|, |b|); 1e-5 of it is far above rounding and far below any indexing error.
std::string Compare(const std::vector<float>& Y, const std::vector<double>& ref, const std::vector<double>& refAbs,
                    int outer, int split, int inner, int row0, int row1) {
  for (int o = 0; o < outer; ++o)
    for (int r = 0; r < split; ++r)
      for (int i = 0; i < inner; ++i) {
        const size_t at = (static_cast<size_t>(o) * split + r) * inner + i;
        const bool mine = r >= row0 && r < row1;
        if (!mine) {
          if (Y[at] != kSentinel) return "wrote row " + std::to_string(r) + " outside its range";
          continue;
        }
        const double err = std::fabs(Y[at] - ref[at]);
        if (!(err <= 1e-5 * refAbs[at] + 1e-6)) {
          char buf[160];
          std::snprintf(buf, sizeof buf, "row %d index %zu: got %.6g, want %.6g (err %.3g)", r, at,
                        static_cast<double>(Y[at]), ref[at], err);
          return buf;
        }
      }
  return "";
}

// Row ranges that cover: everything, nothing, a prefix, a suffix, and one starting and ending mid-tile.
std::vector<std::pair<int, int>> Ranges(int n) {
  std::vector<std::pair<int, int>> r = {{0, n}, {n / 2, n / 2}};
  if (n >= 3) r.push_back({0, n / 3 + 1});
  if (n >= 2) r.push_back({n / 2, n});
  if (n >= 9) r.push_back({3, n - 2});
  return r;
}

// Names this machine can run; the others are reported once as skipped.
std::vector<std::string> Runnable(bool conv) {
  std::vector<std::string> ok;
  for (const auto& name : CpuImplVariants(conv)) {
    const std::string why = CpuImplUnavailableReason(name);
    if (why.empty()) ok.push_back(name);
    else std::printf("SKIP %s: %s\n", name.c_str(), why.c_str());
  }
  return ok;
}

void TestLinear(std::vector<ThreadPool*>& pools) {
  const LinearShape shapes[] = {{1, 1, 1},    {1, 7, 13},   {1, 37, 129}, {1, 100, 1000}, {1, 257, 1031},
                                {1, 1801, 9},
                                {2, 5, 3},    {3, 17, 33},  {5, 31, 47},  {16, 67, 255},  {7, 130, 513},
                                // few rows in row tiles of near-equal size, in panels of 4 registers on one thread,
                                // 1 on two and 2 on three (AVX-512), with a partial last panel
                                {8, 1801, 11}, {13, 300, 5}, {31, 90, 7}, {2, 1801, 3},
                                {4, 40, 1100}, {13, 23, 17},
                                // enough rows of X for the packed path on every ISA, with partial panels
                                {32, 7, 9},   {37, 50, 129}, {64, 70, 200}, {100, 33, 77}, {130, 19, 300},
                                // several column panels times several blocks of X rows, with tails of both
                                {150, 200, 40}, {70, 101, 16}, {257, 129, 65}};
  const auto impls = Runnable(false);
  uint32_t seed = 1;
  for (const LinearShape& s : shapes) {
    const auto X = Random(static_cast<size_t>(s.M) * s.K, seed++), W = Random(static_cast<size_t>(s.N) * s.K, seed++),
               b = Random(s.N, seed++);
    std::vector<double> ref(static_cast<size_t>(s.M) * s.N), refAbs(ref.size());
    LinearReference(s, X.data(), W.data(), b.data(), ref.data());
    LinearReference(s, Abs(X).data(), Abs(W).data(), Abs(b).data(), refAbs.data());
    for (const auto& impl : impls)
      for (ThreadPool* pool : pools)
        for (const auto& range : Ranges(s.N)) {
          char name[200];
          std::snprintf(name, sizeof name, "linear %s M=%d N=%d K=%d rows [%d,%d) threads=%d", impl.c_str(), s.M,
                        s.N, s.K, range.first, range.second, pool->Threads());
          // Each range twice: weights packed by the call itself, and packed once beforehand (as a job does).
          for (const bool prepare : {false, true}) {
            std::vector<float> Y(ref.size(), kSentinel);
            try {
              std::unique_ptr<const LinearCpuWeights> packed;
              if (prepare) packed = PackLinearCpuWeights(impl, s, W.data(), range.first, range.second, pool->Threads());
              if (prepare && !packed) continue;  // this call does not use packed weights
              LinearCpu(impl, s, X.data(), W.data(), b.data(), Y.data(), range.first, range.second, *pool,
                        packed.get());
            } catch (const std::exception& e) {
              Fail(std::string(name) + (prepare ? " prepared" : "") + ": threw " + e.what());
              continue;
            }
            const std::string err = Compare(Y, ref, refAbs, s.M, s.N, 1, range.first, range.second);
            Check(err.empty(), std::string(name) + (prepare ? " prepared" : "") + ": " + err);
          }
        }
  }
  // A null bias means no bias.
  const LinearShape s{3, 9, 20};
  const auto X = Random(60, 91), W = Random(180, 92);
  std::vector<double> ref(27), refAbs(27);
  LinearReference(s, X.data(), W.data(), nullptr, ref.data());
  LinearReference(s, Abs(X).data(), Abs(W).data(), nullptr, refAbs.data());
  for (const auto& impl : impls) {
    std::vector<float> Y(27, kSentinel);
    LinearCpu(impl, s, X.data(), W.data(), nullptr, Y.data(), 0, 9, *pools.back());
    const std::string err = Compare(Y, ref, refAbs, 3, 9, 1, 0, 9);
    Check(err.empty(), "linear " + impl + " without bias: " + err);
  }
}

// One conv test case: random X, W and b (seeds taken from `seed` in that order), the double reference of the
// output and the reference of |X|, |W|, |b| (the scale of the tolerance).
struct ConvCase {
  std::vector<float> X, W, b;
  std::vector<double> ref, refAbs;
};

ConvCase MakeConvCase(const ConvShape& s, uint32_t& seed) {
  ConvCase c;
  c.X = Random(static_cast<size_t>(s.batch) * s.C * s.H * s.W, seed++);
  c.W = Random(static_cast<size_t>(s.F) * s.C * s.R * s.S, seed++);
  c.b = Random(s.F, seed++);
  c.ref.resize(static_cast<size_t>(s.batch) * s.F * s.P() * s.Q());
  c.refAbs.resize(c.ref.size());
  Conv2dReference(s, c.X.data(), c.W.data(), c.b.data(), c.ref.data());
  Conv2dReference(s, Abs(c.X).data(), Abs(c.W).data(), Abs(c.b).data(), c.refAbs.data());
  return c;
}

void TestConv(std::vector<ThreadPool*>& pools) {
  //                      batch  C   H   W   F  R  S sh sw ph pw
  const ConvShape shapes[] = {{1, 1, 5, 5, 1, 1, 1, 1, 1, 0, 0},    {1, 3, 7, 9, 5, 3, 3, 1, 1, 1, 1},
                              {2, 4, 11, 13, 7, 3, 2, 1, 1, 1, 0},  {1, 5, 17, 19, 9, 5, 3, 2, 2, 2, 1},
                              {1, 8, 16, 16, 16, 1, 1, 1, 1, 0, 0}, {2, 3, 23, 29, 6, 7, 7, 2, 2, 3, 3},
                              {1, 16, 9, 70, 13, 3, 3, 1, 1, 1, 1}, {1, 2, 8, 8, 4, 3, 3, 2, 1, 0, 1},
                              {1, 6, 5, 5, 11, 5, 5, 1, 1, 0, 0},   {1, 64, 6, 6, 10, 3, 3, 1, 1, 1, 1},
                              {1, 7, 10, 12, 19, 1, 1, 2, 2, 0, 0}, {3, 2, 4, 37, 3, 1, 3, 1, 3, 0, 2},
                              {2, 9, 5, 7, 6, 1, 1, 1, 1, 0, 0},
                              // stride 1 planes long enough for several simd-flat chunks with partial tails
                              {2, 20, 30, 33, 14, 3, 5, 1, 1, 1, 2}, {1, 3, 40, 41, 7, 5, 1, 1, 1, 2, 0},
                              // stride 2 with Q = 50: simd-direct takes its wide tile on AVX-512 and NEON
                              {1, 4, 20, 100, 5, 3, 3, 2, 2, 1, 1},
                              // fewer im2col column panels than threads (1 on AVX-512, 2 on AVX2): the K
                              // rows (C*R*S = 111) split into parts of unequal length
                              {1, 37, 5, 6, 13, 3, 1, 1, 1, 1, 0},
                              // no padding, column stride 1, row stride 2: simd-direct reads X in place
                              {2, 5, 13, 11, 7, 3, 2, 2, 1, 0, 0},
                              // plain 1x1 with a vector per thread or more on 7 threads: simd-im2col's column runs,
                              // the last vector of each plane partial and runs crossing from one image to the next
                              {1, 10, 30, 31, 9, 1, 1, 1, 1, 0, 0}, {3, 5, 13, 17, 7, 1, 1, 1, 1, 0, 0}};
  const auto impls = Runnable(true);
  uint32_t seed = 1000;
  for (const ConvShape& s : shapes) {
    const int P = s.P(), Q = s.Q();
    const ConvCase c = MakeConvCase(s, seed);
    const auto &X = c.X, &W = c.W, &b = c.b;
    const auto &ref = c.ref, &refAbs = c.refAbs;
    for (const auto& impl : impls)
      for (ThreadPool* pool : pools)
        for (const auto& range : Ranges(s.F)) {
          char name[240];
          std::snprintf(name, sizeof name,
                        "conv2d %s batch=%d C=%d H=%d W=%d F=%d R=%d S=%d stride=%d,%d pad=%d,%d rows [%d,%d) threads=%d",
                        impl.c_str(), s.batch, s.C, s.H, s.W, s.F, s.R, s.S, s.strideH, s.strideW, s.padH, s.padW,
                        range.first, range.second, pool->Threads());
          std::vector<float> Y(ref.size(), kSentinel);
          try {
            Conv2dCpu(impl, s, X.data(), W.data(), b.data(), Y.data(), range.first, range.second, *pool);
          } catch (const std::exception& e) {
            Fail(std::string(name) + ": threw " + e.what());
            continue;
          }
          const std::string err = Compare(Y, ref, refAbs, s.batch, s.F, P * Q, range.first, range.second);
          Check(err.empty(), std::string(name) + ": " + err);
        }
  }
}

// Output rows (height) [p0, p1) only, the CPU's share of a split along the output height: for every shape,
// implementation and pool, the Ranges of P over all channels, and one over a channel range too; every element
// outside the window must keep the sentinel (each side writes only its share of the one output).
void TestConvHeight(std::vector<ThreadPool*>& pools) {
  //                      batch  C   H   W   F  R  S sh sw ph pw
  const ConvShape shapes[] = {{1, 3, 7, 9, 5, 3, 3, 1, 1, 1, 1},   {2, 4, 11, 13, 7, 3, 2, 1, 1, 1, 0},
                              {1, 5, 17, 19, 9, 5, 3, 2, 2, 2, 1}, {1, 8, 16, 16, 16, 1, 1, 1, 1, 0, 0},
                              {2, 3, 23, 29, 6, 7, 7, 2, 2, 3, 3}, {1, 3, 12, 8, 5, 5, 3, 3, 1, 2, 1},
                              {2, 20, 30, 33, 14, 3, 5, 1, 1, 1, 2}, {1, 4, 20, 100, 5, 3, 3, 2, 2, 1, 1},
                              {2, 5, 13, 11, 7, 3, 2, 2, 1, 0, 0},   {2, 6, 9, 40, 8, 1, 1, 1, 1, 0, 0},
                              {3, 5, 13, 17, 7, 1, 1, 1, 1, 0, 0}};
  const auto impls = Runnable(true);
  uint32_t seed = 5000;
  for (const ConvShape& s : shapes) {
    const int P = s.P(), Q = s.Q();
    const ConvCase c = MakeConvCase(s, seed);
    const auto &X = c.X, &W = c.W, &b = c.b;
    const auto &ref = c.ref, &refAbs = c.refAbs;
    std::vector<std::pair<int, int>> channels = {{0, s.F}};
    if (s.F >= 3) channels.push_back({1, s.F - 1});
    for (const auto& impl : impls)
      for (ThreadPool* pool : pools)
        for (const auto& f : channels)
          for (const auto& p : Ranges(P)) {
            char name[260];
            std::snprintf(name, sizeof name,
                          "conv2d height %s batch=%d C=%d H=%d W=%d F=%d R=%d S=%d stride=%d,%d pad=%d,%d channels [%d,%d) "
                          "output rows [%d,%d) threads=%d",
                          impl.c_str(), s.batch, s.C, s.H, s.W, s.F, s.R, s.S, s.strideH, s.strideW, s.padH, s.padW,
                          f.first, f.second, p.first, p.second, pool->Threads());
            std::vector<float> Y(ref.size(), kSentinel);
            try {
              Conv2dCpu(impl, s, X.data(), W.data(), b.data(), Y.data(), f.first, f.second, *pool, p.first, p.second);
            } catch (const std::exception& e) {
              Fail(std::string(name) + ": threw " + e.what());
              continue;
            }
            // Channels outside [f0, f1) are whole planes left alone; inside, the rows outside [p0, p1).
            std::string err;
            for (int img = 0; img < s.batch && err.empty(); ++img)
              for (int ch = 0; ch < s.F && err.empty(); ++ch) {
                const size_t plane = (static_cast<size_t>(img) * s.F + ch) * P * Q;
                const std::vector<float> y(Y.begin() + plane, Y.begin() + plane + size_t(P) * Q);
                const std::vector<double> r(ref.begin() + plane, ref.begin() + plane + size_t(P) * Q);
                const std::vector<double> ra(refAbs.begin() + plane, refAbs.begin() + plane + size_t(P) * Q);
                const bool mine = ch >= f.first && ch < f.second;
                err = Compare(y, r, ra, 1, P, Q, mine ? p.first : 0, mine ? p.second : 0);
                if (!err.empty()) err = "image " + std::to_string(img) + " channel " + std::to_string(ch) + ": " + err;
              }
            Check(err.empty(), std::string(name) + ": " + err);
          }
  }
  ThreadPool& pool = *pools.front();
  const ConvShape s{1, 2, 6, 6, 3, 3, 3, 1, 1, 1, 1};
  std::vector<float> X(72), W(54), b(3), Y(108);
  auto throws = [&](int p0, int p1) {
    try {
      Conv2dCpu("simd-direct", s, X.data(), W.data(), b.data(), Y.data(), 0, 3, pool, p0, p1);
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  Check(throws(0, 7) && throws(4, 3) && throws(-1, 2) && !throws(2, 2), "output rows outside [0, P] throw");
}

// Every index of [0, count) is visited exactly once, by the chunk of the thread that was given it, over many
// back-to-back calls (which is where a lost wake-up or a stale job would show), for calls that ask for the same
// units each call (affine by default: a thread's own share, walked from alternate ends, and the others'
// left-overs) and calls that do not (balanced). With static chunking thread t owns the t-th contiguous chunk, so
// owners ascend with the index; claimed chunks go to whichever thread claims them first, so there only the visit
// count and the owner's range are checked.
void TestPool(std::vector<ThreadPool*>& pools) {
  for (ThreadPool* pool : pools)
    for (bool sameUnits : {false, true}) {
      const std::string rule = ThreadPool::Chunking(sameUnits);
      const bool ordered = rule == "static";
      const int counts[] = {0, 1, 2, 3, 5, 64, 192, 1001};
      bool ok = true;
      for (int round = 0; round < 300 && ok; ++round)
        for (int count : counts) {
          std::vector<int> hits(static_cast<size_t>(count), 0);
          std::vector<int> owner(static_cast<size_t>(count), -1);
          pool->ParallelFor(count, [&](int begin, int end, int thread) {
            for (int i = begin; i < end; ++i) {
              ++hits[static_cast<size_t>(i)];
              owner[static_cast<size_t>(i)] = thread;
            }
          }, sameUnits);
          for (int i = 0; i < count; ++i)
            if (hits[static_cast<size_t>(i)] != 1 || owner[static_cast<size_t>(i)] < 0 ||
                owner[static_cast<size_t>(i)] >= pool->Threads() ||
                (ordered && i > 0 && owner[static_cast<size_t>(i)] < owner[static_cast<size_t>(i) - 1]))
              ok = false;
          if (round % 50 == 0) pool->Park();  // parked workers must still wake for the next job
        }
      Check(ok, "thread pool of " + std::to_string(pool->Threads()) + " (" + rule + " chunking): each index once" +
                    (ordered ? ", contiguous chunks in order" : ", by a pool thread"));
    }
}

// BalancedChunkSize: never above the dynamic rule's size, and the thread that claims the most chunks gets at most a
// fair share plus 1/16 of it (at least one element), over counts and thread counts like the engine's slices.
void TestChunkSize() {
  bool ok = true;
  std::string first;
  for (int threads = 2; threads <= 16 && ok; ++threads)
    for (int count = 1; count <= 4000 && ok; ++count) {
      const int chunk = BalancedChunkSize(count, threads);
      const int coarsest = (count + threads * 4 - 1) / (threads * 4);
      const int fair = (count + threads - 1) / threads;
      const int busiest = ((count + chunk - 1) / chunk + threads - 1) / threads * chunk;
      if (chunk < 1 || chunk > (coarsest > 1 ? coarsest : 1) || (chunk > 1 && busiest > fair + (fair / 16 > 1 ? fair / 16 : 1))) {
        ok = false;
        first = std::to_string(count) + " on " + std::to_string(threads) + " threads: chunk " + std::to_string(chunk);
      }
    }
  Check(ok, "balanced chunk size within the dynamic rule's and near a fair share" + (first.empty() ? "" : " (" + first + ")"));
  // linear M1 N768 K3072 on the GPU host's 15 threads: 192 four-row tiles (the dynamic rule's chunk, 4, left 16 tiles to
  // three threads against a share of 12.8)
  const int chunk = BalancedChunkSize(192, 15);
  Check(chunk < 4 && ((192 + chunk - 1) / chunk + 14) / 15 * chunk <= 14, "192 tiles on 15 threads: busiest thread <= 14 tiles");
  Check(BalancedChunkSize(192, 2) == 24 && BalancedChunkSize(1000, 15) == 17, "the dynamic rule's chunk is kept where it is balanced");
}

void TestErrors(ThreadPool& pool) {
  const LinearShape s{1, 4, 4};
  std::vector<float> X(4, 1.0f), W(16, 1.0f), Y(4);
  auto throws = [&](const std::string& impl, int row0, int row1) {
    try {
      LinearCpu(impl, s, X.data(), W.data(), nullptr, Y.data(), row0, row1, pool);
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  Check(throws("no-such-impl", 0, 4), "unknown implementation throws");
  {  // packed weights must match the call's implementation, shape and column range
    const LinearShape tall{64, 8, 4};
    std::vector<float> Xt(256, 1.0f), Wt(32, 1.0f), Yt(512);
    const auto packed = PackLinearCpuWeights("simd", tall, Wt.data(), 0, 8);
    bool threw = false;
    try {
      LinearCpu("simd", tall, Xt.data(), Wt.data(), nullptr, Yt.data(), 0, 4, pool, packed.get());
    } catch (const std::invalid_argument&) {
      threw = true;
    }
    Check(packed && threw, "linear weights packed for columns [0,8) refused for [0,4)");
    const LinearShape few{2, 4, 4};  // from 2 rows of X on, panels
    Check(!PackLinearCpuWeights("openblas", tall, Wt.data(), 0, 8) && !PackLinearCpuWeights("simd", s, W.data(), 0, 4) &&
              !PackLinearCpuWeights("simd", few, W.data(), 2, 2),
          "no packed weights where the call would not use them (OpenBLAS, one row of X, an empty range)");
    Check(PackLinearCpuWeights("simd", few, W.data(), 0, 4) != nullptr, "two rows of X read packed weights");
  }
  Check(throws("simd-direct", 0, 4), "a conv2d name for linear throws");
  Check(throws("simd", 0, 5) && throws("simd", 3, 2) && throws("simd", -1, 2), "rows outside [0, N] throw");
  Check(!CpuImplUnavailableReason("no-such-impl").empty(), "unknown implementation has a reason");
  Check(CpuImplUnavailableReason("simd").empty() && CpuImplUnavailableReason("simd-direct").empty(),
        "simd implementations are always available");
  const std::string resolved = ResolvedSimdName();
  Check(resolved.rfind("simd-", 0) == 0 && CpuImplUnavailableReason(resolved).empty(),
        "resolved simd name " + resolved + " is itself runnable");
  Check(ResolvedCpuImplName("simd") == resolved && ResolvedCpuImplName("openblas") == "openblas" &&
            ResolvedCpuImplName("simd-direct") == "simd-direct" + resolved.substr(4) &&
            CpuImplUnavailableReason(ResolvedCpuImplName("simd-im2col")).empty(),
        "ResolvedCpuImplName pins simd names to " + resolved);
}

}  // namespace

// The pass recorder (ThreadPool::SetPassRecorder) records every ParallelFor call while it is set and none after:
// the call's unit count, and per thread times that are ordered (first start <= last end <= the call's wall time),
// busy no longer than its span, and a thread that ran no chunk marked -1. Units that each take a known time make
// the busy sum at least that time.
void TestPassRecorder(std::vector<ThreadPool*>& pools) {
  for (ThreadPool* pool : pools) {
    std::vector<PoolPassTimes> records;
    const auto unitWork = std::chrono::microseconds(20);
    const auto body = [&](int begin, int end, int) {
      const auto until = std::chrono::steady_clock::now() + unitWork * (end - begin);
      while (std::chrono::steady_clock::now() < until) {
      }
    };
    pool->SetPassRecorder(&records);
    for (int count : {1, 7, 64}) pool->ParallelFor(count, body);
    pool->SetPassRecorder(nullptr);
    pool->ParallelFor(5, body);
    bool ok = records.size() == 3;
    const int counts[] = {1, 7, 64};
    for (size_t i = 0; ok && i < records.size(); ++i) {
      const PoolPassTimes& r = records[i];
      ok = r.count == counts[i] && r.busyUs.size() == static_cast<size_t>(pool->Threads()) &&
           r.firstStartUs.size() == r.busyUs.size() && r.lastEndUs.size() == r.busyUs.size();
      double busySum = 0;
      int ran = 0;
      for (size_t t = 0; ok && t < r.busyUs.size(); ++t) {
        if (r.firstStartUs[t] < 0) {
          ok = r.lastEndUs[t] < 0 && r.busyUs[t] == 0;
          continue;
        }
        ++ran;
        busySum += r.busyUs[t];
        ok = r.firstStartUs[t] <= r.lastEndUs[t] && r.lastEndUs[t] <= r.wallUs &&
             r.busyUs[t] <= r.lastEndUs[t] - r.firstStartUs[t] + 1e-3;
      }
      ok = ok && ran >= 1 && busySum >= 20.0 * r.count * 0.99;
    }
    Check(ok, "pass recorder of a pool of " + std::to_string(pool->Threads()) + ": " + std::to_string(records.size()) +
                  " records, ordered times");
  }
}

int main() {
  std::printf("resolved simd: %s\n", ResolvedSimdName().c_str());
  ThreadPool one(1, {}), two(2, {}), three(3, {});
  std::vector<ThreadPool*> pools = {&one, &two, &three};
  TestPool(pools);
  {  // more threads than cores, with chunks smaller than the dynamic rule's (192 elements on 15)
    ThreadPool fifteen(15, {});
    std::vector<ThreadPool*> wide = {&fifteen};
    TestPool(wide);
  }
  TestPassRecorder(pools);
  TestChunkSize();
  TestErrors(one);
  TestLinear(pools);
  // Conv also on more threads than the AVX2 column panels of most test shapes, so that the split-K path
  // of simd-im2col picks its part count for several panels (on the GPU host the CPU side has 15 threads).
  ThreadPool seven(7, {});
  std::vector<ThreadPool*> convPools = {&one, &two, &three, &seven};
  TestConv(convPools);
  TestConvHeight(convPools);
  std::printf("SUITE cpu: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
