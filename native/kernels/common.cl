// Shared by every program: the engine prepends this file to each kernel file before building.
//
// Completion signal for the svm-fine mechanism. When the host builds with -DCOEXEC_SIGNAL (only with
// -cl-std=CL2.0 or CL3.0), every layer kernel takes one more argument, a counter in fine-grained SVM, and
// each work-group adds 1 to it after all of its output writes:
//   writer: one work-item per work-group (local id 0), after a work-group barrier that orders the group's
//           global writes before it; atomic_fetch_add_explicit, memory_order_release;
//   scope:  memory_scope_all_svm_devices where the device has __opencl_c_atomic_scope_all_devices (or is
//           OpenCL C 2.0, where it is core), else memory_scope_device (PoCL 3.1: its host threads are
//           the device's threads, so device scope reaches them);
//   reader: the host thread, acquire loads until the counter equals the number of work-groups; the host
//           zeroes it before each enqueue (the enqueue orders that store before the kernel).
// Kernels must not return early: every work-item has to reach COEXEC_SIGNAL_DONE's barrier.
#ifdef COEXEC_SIGNAL
#if defined(__opencl_c_atomic_scope_all_devices) || (__OPENCL_C_VERSION__ == 200)
#define COEXEC_SIGNAL_SCOPE memory_scope_all_svm_devices
#else
#define COEXEC_SIGNAL_SCOPE memory_scope_device
#endif
#define COEXEC_FIRST_ITEM() (get_local_id(0) == 0 && get_local_id(1) == 0 && get_local_id(2) == 0)
#endif

#if defined(COEXEC_SIGNAL) && !defined(COEXEC_RESIDENT)
#define COEXEC_SIGNAL_PARAM , __global atomic_int* doneCounter
#define COEXEC_SIGNAL_DONE()                                                                      \
  do {                                                                                            \
    work_group_barrier(CLK_GLOBAL_MEM_FENCE, memory_scope_device);                                \
    if (COEXEC_FIRST_ITEM())                                                                      \
      atomic_fetch_add_explicit(doneCounter, 1, memory_order_release, COEXEC_SIGNAL_SCOPE);       \
  } while (0)
#elif !defined(COEXEC_SIGNAL)
#define COEXEC_SIGNAL_PARAM
#define COEXEC_SIGNAL_DONE() do { } while (0)
#endif

// The svm-resident mechanism (native/src/sync_svm_resident.cpp). Built with -DCOEXEC_SIGNAL -DCOEXEC_RESIDENT,
// a layer kernel is launched once per job with as many work-groups as the device runs at once (its "physical"
// groups) and stays resident: each physical group waits for the host to bump `epoch` (an int in fine-grained
// SVM), computes the launch's work-groups ("virtual" groups, vgroups0 x vgroups1 x vgroups2, dealt
// in contiguous chunks: physical group p takes [p * ceil(V / P), (p + 1) * ceil(V / P)), as PoCL's own scheduler
// deals a launch's first grabs; always the same ones, so a CPU device's worker keeps its slice of the weights
// in its own cache), then adds 1 to doneCounter; a negative epoch ends the kernel. Dealt round-robin instead,
// pocl-split's 7 workers ran M = 64 GEMMs 2.4x slower than launched (results/benchmarks/resident-pocl-split-20261205).
//   epoch:       written by the host only (release store of the next value, or -1 to stop); read by the
//                first work-item of each group (acquire loads), which hands the value to its group through
//                local memory and a barrier, so every work-item takes the same branch;
//   doneCounter: as for svm-fine, one release add per physical group per execution after its writes of Y;
//                the host zeroes it before bumping the epoch and waits until it equals the physical groups.
// Stealing (-DCOEXEC_RESIDENT_STEAL, the engine's default; COEXEC_RESIDENT_DEAL=static leaves it out): each
// physical group owns a balanced contiguous chunk and claims it from the front, in order, one virtual group at a
// time; once it is done it claims what is left of the others' chunks from their backs. A static deal waits for
// its slowest worker every execution: on pocl-split a job's resident GPU side moved 1.3x or more between a run
// and its same-call retest in 44-61% of the jobs (finish, which PoCL deals dynamically: 10-14%), so one slow vCPU
// decided whole jobs. Cursors live in the epoch's buffer, one per 64-byte line after the epoch's own
// (COEXEC_CURSOR), touched by the device only. Each owner resets its cursor to its whole chunk when it sees a new
// epoch; until then the cursor still reads exhausted (every group left the last execution only once its own
// chunk was; the host starts them at 0, exhausted), so a group that looks at it early claims nothing from it
// rather than work of another execution.
// A kernel body sits between COEXEC_RESIDENT_BEGIN() (after its __local declarations, which OpenCL C wants
// at kernel scope) and COEXEC_SIGNAL_DONE(), and names its work-group and global ids through GROUP_ID,
// GLOBAL_ID and GLOBAL_SIZE, which are the builtins outside resident builds and the virtual group's inside.
#if defined(COEXEC_SIGNAL) && defined(COEXEC_RESIDENT)
#define COEXEC_SIGNAL_PARAM \
  , __global atomic_int* doneCounter, __global atomic_int* epoch, const int vgroups0, const int vgroups1, const int vgroups2
#define COEXEC_CURSOR(group) (epoch + 16 * (1 + (group)))
#ifdef COEXEC_RESIDENT_STEAL
// Balanced chunks: group q owns virtual groups [q * V / P, (q + 1) * V / P), so sizes differ by at most one and
// no group starts empty (ceil-sized chunks left the last groups with nothing, which then stole from the start).
#define COEXEC_CHUNK_FIRST(q, groups, total) ((q) * (total) / (groups))
// A cursor packs its chunk's unclaimed range [front, back) as front | back << 16 (back <= 32767, so the int stays
// positive; the host refuses larger chunks): the owner claims the front, in
// order (its slice of the weights stays in its cache from one execution to the next), a thief the back, each
// with one compare-exchange, so the two never take the same virtual group. front >= back: exhausted.
// The next virtual group for physical group `group` of `groups`: from the front of its own chunk while it lasts,
// then from the back of the following groups' chunks in turn; -1 when every chunk is claimed. Called by one
// work-item per group.
int coexecClaim(__global atomic_int* epoch, int group, int groups, int total) {
  __global atomic_int* own = COEXEC_CURSOR(group);
  int v = atomic_load_explicit(own, memory_order_relaxed, memory_scope_device);
  while ((v & 0xFFFF) < (v >> 16)) {
    if (atomic_compare_exchange_weak_explicit(own, &v, v + 1, memory_order_relaxed, memory_order_relaxed,
                                              memory_scope_device))
      return COEXEC_CHUNK_FIRST(group, groups, total) + (v & 0xFFFF);
  }
  for (int k = 1; k < groups; ++k) {
    const int q = (group + k) % groups;
    __global atomic_int* cursor = COEXEC_CURSOR(q);
    int w = atomic_load_explicit(cursor, memory_order_relaxed, memory_scope_device);
    while ((w & 0xFFFF) < (w >> 16)) {
      if (atomic_compare_exchange_weak_explicit(cursor, &w, w - 0x10000, memory_order_relaxed, memory_order_relaxed,
                                                memory_scope_device))
        return COEXEC_CHUNK_FIRST(q, groups, total) + (w >> 16) - 1;
    }
  }
  return -1;
}
// The claimed index reaches the group's work-items through local memory, read after a barrier and written
// again only after the loop's closing barrier. The loop is a plain `for` whose condition reads the claim:
// Debian's PoCL 3.1 recursed until it crashed compiling a `break` right after a barrier inside the loop.
#define COEXEC_DEAL_BEGIN()                                                                                  \
    if (COEXEC_FIRST_ITEM()) {                                                                               \
      const int g_ = (int)get_group_id(0), p_ = (int)get_num_groups(0);                                     \
      const int count_ = COEXEC_CHUNK_FIRST(g_ + 1, p_, coexecTotal) - COEXEC_CHUNK_FIRST(g_, p_, coexecTotal); \
      atomic_store_explicit(COEXEC_CURSOR(g_), count_ << 16, memory_order_relaxed, memory_scope_device);     \
      coexecClaimShared = coexecClaim(epoch, g_, p_, coexecTotal);                                          \
    }                                                                                                        \
    work_group_barrier(CLK_LOCAL_MEM_FENCE);                                                                 \
    int coexecNextV = coexecClaimShared;                                                                     \
    for (int coexecV = coexecNextV; coexecV >= 0; coexecV = coexecNextV) {
#define COEXEC_DEAL_NEXT()                                                                                   \
      if (COEXEC_FIRST_ITEM())                                                                               \
        coexecClaimShared = coexecClaim(epoch, (int)get_group_id(0), (int)get_num_groups(0), coexecTotal);    \
      work_group_barrier(CLK_LOCAL_MEM_FENCE);                                                               \
      coexecNextV = coexecClaimShared;
#else
#define COEXEC_DEAL_BEGIN()                                                                                  \
    const int coexecPer = (coexecTotal + (int)get_num_groups(0) - 1) / (int)get_num_groups(0);               \
    const int coexecEnd = min(coexecTotal, ((int)get_group_id(0) + 1) * coexecPer);                          \
    for (int coexecV = (int)get_group_id(0) * coexecPer; coexecV < coexecEnd; ++coexecV) {
#define COEXEC_DEAL_NEXT()
#endif
#define COEXEC_RESIDENT_BEGIN()                                                                              \
  __local int coexecEpochShared;                                                                             \
  __local int coexecClaimShared;                                                                             \
  int coexecEpochSeen = 0;                                                                                   \
  for (;;) {                                                                                                 \
    if (COEXEC_FIRST_ITEM()) {                                                                               \
      int e_;                                                                                                \
      while ((e_ = atomic_load_explicit(epoch, memory_order_acquire, COEXEC_SIGNAL_SCOPE)) == coexecEpochSeen) { \
      }                                                                                                      \
      coexecEpochShared = e_;                                                                                \
    }                                                                                                        \
    work_group_barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);                                          \
    coexecEpochSeen = coexecEpochShared;                                                                     \
    if (coexecEpochSeen < 0) break;                                                                          \
    const int coexecTotal = vgroups0 * vgroups1 * vgroups2;                                                  \
    COEXEC_DEAL_BEGIN()                                                                                      \
      const int coexecG0 = coexecV % vgroups0, coexecG1 = (coexecV / vgroups0) % vgroups1,                  \
                coexecG2 = coexecV / (vgroups0 * vgroups1);
// Closes both loops of COEXEC_RESIDENT_BEGIN. The barrier after each virtual group keeps the next one from
// overwriting local tiles that another work-item still reads, and orders the group's writes of Y before the
// signal.
#define COEXEC_SIGNAL_DONE()                                                                      \
      work_group_barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);                             \
      COEXEC_DEAL_NEXT()                                                                          \
    }                                                                                             \
    if (COEXEC_FIRST_ITEM())                                                                      \
      atomic_fetch_add_explicit(doneCounter, 1, memory_order_release, COEXEC_SIGNAL_SCOPE);       \
  }
#define GROUP_ID(d) ((size_t)((d) == 0 ? coexecG0 : (d) == 1 ? coexecG1 : coexecG2))
#define NUM_GROUPS(d) ((size_t)((d) == 0 ? vgroups0 : (d) == 1 ? vgroups1 : vgroups2))
#define GLOBAL_ID(d) (GROUP_ID(d) * get_local_size(d) + get_local_id(d))
#define GLOBAL_SIZE(d) (NUM_GROUPS(d) * get_local_size(d))
#else
#define COEXEC_RESIDENT_BEGIN() do { } while (0)
#define GROUP_ID(d) get_group_id(d)
#define GLOBAL_ID(d) get_global_id(d)
#define GLOBAL_SIZE(d) get_global_size(d)
#endif

// Helpers of the register-tiled kernels must be inlined: their accumulators live in registers only when the
// caller's arrays are promoted, and PoCL leaves plain `inline` functions out of line (accumulators in memory).
#define COEXEC_INLINE inline __attribute__((always_inline))

// Vector-width helpers for the register-tiled kernels: with VW defined (4, 8 or 16), floatV is floatVW.
#define COEXEC_CAT_(a, b) a##b
#define COEXEC_CAT(a, b) COEXEC_CAT_(a, b)
#define floatV COEXEC_CAT(float, VW)
#define vstoreV COEXEC_CAT(vstore, VW)
