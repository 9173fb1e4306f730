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
#define COEXEC_SIGNAL_PARAM , __global atomic_int* doneCounter
#define COEXEC_SIGNAL_DONE()                                                                      \
  do {                                                                                            \
    work_group_barrier(CLK_GLOBAL_MEM_FENCE, memory_scope_device);                                \
    if (get_local_id(0) == 0 && get_local_id(1) == 0 && get_local_id(2) == 0)                     \
      atomic_fetch_add_explicit(doneCounter, 1, memory_order_release, COEXEC_SIGNAL_SCOPE);       \
  } while (0)
#else
#define COEXEC_SIGNAL_PARAM
#define COEXEC_SIGNAL_DONE() do { } while (0)
#endif

// Helpers of the register-tiled kernels must be inlined: their accumulators live in registers only when the
// caller's arrays are promoted, and PoCL leaves plain `inline` functions out of line (accumulators in memory).
#define COEXEC_INLINE inline __attribute__((always_inline))

// Vector-width helpers for the register-tiled kernels: with VW defined (4, 8 or 16), floatV is floatVW.
#define COEXEC_CAT_(a, b) a##b
#define COEXEC_CAT(a, b) COEXEC_CAT_(a, b)
#define floatV COEXEC_CAT(float, VW)
#define vstoreV COEXEC_CAT(vstore, VW)
