// What would a launch-free GPU side save on PoCL? (issue 13's M = 1 target, issue 14's pocl-split M = 1 layers)
// PoCL's GPU side of a small layer pays about 35-50 us beyond its kernel per execution (enqueue, waking a parked
// worker, the kernel's start). A persistent kernel, launched once, keeps one work-item per PoCL worker polling
// an epoch counter in fine-grained SVM: the host starts an execution by bumping the epoch and sees it end when
// every work-item has bumped a done counter, with no OpenCL call in between. This probe times both ways on the
// same naive GEMV (rows dealt round-robin to `groups` work-items, work-group size 1):
//   launch:     done = 0; clEnqueueNDRangeKernel; clFlush; poll done == groups   (the engine's svm-fine path)
//   persistent: epoch += 1; poll done == epoch x groups                           (no OpenCL call)
// Prints one JSON line per (mode, shape): median and min us over the samples, after 20 warm-up executions,
// modes alternated over 3 rounds. OpenCL does not promise that work-groups run concurrently; a persistent
// kernel with more work-items than the device runs at once would never finish, so `groups` must not exceed
// PoCL's workers (POCL_MAX_PTHREAD_COUNT). This is a probe, not an engine mechanism.
// Build: gcc -O2 persistent_probe.c -lOpenCL -o probe
// Run (2-core VM: one PoCL worker on core 0, this host thread on core 1):
//   POCL_MAX_PTHREAD_COUNT=1 POCL_CPU_MAX_CU_NUM=1 POCL_AFFINITY=1 taskset -c 1 ./probe [GROUPS [SAMPLES]]
#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(x) do { cl_int e_ = (x); if (e_ != CL_SUCCESS) { fprintf(stderr, "%s: %d (line %d)\n", #x, e_, __LINE__); exit(1); } } while (0)

static const char* kSource =
    // The scope the engine's kernels use (native/kernels/common.cl): all SVM devices where the compiler has it,
    // else device scope (PoCL 3.1: its host threads are the device's threads).
    "#if defined(__opencl_c_atomic_scope_all_devices) || (__OPENCL_C_VERSION__ == 200)\n"
    "#define SCOPE memory_scope_all_svm_devices\n"
    "#else\n"
    "#define SCOPE memory_scope_device\n"
    "#endif\n"
    "void rows(__global const float* x, __global const float* w, __global float* y, int n, int k) {\n"
    "  for (int r = get_global_id(0); r < n; r += get_global_size(0)) {\n"
    "    float s = 0.0f;\n"
    "    for (int j = 0; j < k; ++j) s = fma(w[(size_t)r * k + j], x[j], s);\n"
    "    y[r] = s;\n"
    "  }\n"
    "}\n"
    "__kernel void gemv_launch(__global const float* x, __global const float* w, __global float* y, int n, int k,\n"
    "                          __global atomic_int* ctrl) {\n"
    "  rows(x, w, y, n, k);\n"
    "  atomic_fetch_add_explicit(&ctrl[1], 1, memory_order_release, SCOPE);\n"
    "}\n"
    "__kernel void gemv_persistent(__global const float* x, __global const float* w, __global float* y, int n, int k,\n"
    "                              __global atomic_int* ctrl) {\n"
    "  int seen = 0;\n"
    "  for (;;) {\n"
    "    int epoch;\n"
    "    while ((epoch = atomic_load_explicit(&ctrl[0], memory_order_acquire, SCOPE)) == seen)\n"
    "      if (atomic_load_explicit(&ctrl[2], memory_order_relaxed, SCOPE)) return;\n"
    "    seen = epoch;\n"
    "    rows(x, w, y, n, k);\n"
    "    atomic_fetch_add_explicit(&ctrl[1], 1, memory_order_release, SCOPE);\n"
    "  }\n"
    "}\n";

static double NowUs(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
static int Cmp(const void* a, const void* b) { double d = *(const double*)a - *(const double*)b; return (d > 0) - (d < 0); }

static inline int Load(volatile int* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

// Spins on the done counter, yielding now and then as the engine's waiter does (WaitUntil).
static void WaitDone(volatile int* done, int want) {
  for (int i = 0; Load(done) < want; ++i) if (i > 256) sched_yield();
}

int main(int argc, char** argv) {
  const int groups = argc > 1 ? atoi(argv[1]) : 1, samples = argc > 2 ? atoi(argv[2]) : 400;
  cl_platform_id plats[8]; cl_uint np = 0; CHECK(clGetPlatformIDs(8, plats, &np));
  cl_device_id dev = NULL;
  for (cl_uint p = 0; p < np && !dev; ++p) if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_CPU, 1, &dev, NULL) != CL_SUCCESS) dev = NULL;
  if (!dev) { fprintf(stderr, "no OpenCL CPU device (PoCL)\n"); return 1; }
  char name[256]; clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof name, name, NULL);
  cl_uint units = 0; clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL);
  cl_device_svm_capabilities svm = 0; clGetDeviceInfo(dev, CL_DEVICE_SVM_CAPABILITIES, sizeof svm, &svm, NULL);
  if (!(svm & CL_DEVICE_SVM_FINE_GRAIN_BUFFER) || !(svm & CL_DEVICE_SVM_ATOMICS)) { fprintf(stderr, "no fine-grained SVM with atomics\n"); return 1; }
  if ((cl_uint)groups > units) { fprintf(stderr, "groups %d > %u compute units: a persistent kernel could starve\n", groups, units); return 1; }
  cl_int err; cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err); CHECK(err);
  cl_program prog = clCreateProgramWithSource(ctx, 1, &kSource, NULL, &err); CHECK(err);
  if (clBuildProgram(prog, 1, &dev, "-cl-std=CL3.0", NULL, NULL) != CL_SUCCESS) {
    char log[8192]; clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, sizeof log, log, NULL);
    fprintf(stderr, "build failed:\n%s\n", log); return 1;
  }
  cl_command_queue q = clCreateCommandQueueWithProperties(ctx, dev, NULL, &err); CHECK(err);
  const cl_svm_mem_flags fine = CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER;
  printf("{\"device\":\"%s\",\"computeUnits\":%u,\"groups\":%d,\"samples\":%d}\n", name, units, groups, samples);
  const int shapes[][2] = {{64, 64}, {768, 768}, {3072, 768}};
  double* t = malloc(sizeof(double) * samples);
  for (int s = 0; s < 3; ++s) {
    const int n = shapes[s][0], k = shapes[s][1];
    float* x = clSVMAlloc(ctx, fine, sizeof(float) * k, 0);
    float* w = clSVMAlloc(ctx, fine, sizeof(float) * n * k, 0);
    float* y = clSVMAlloc(ctx, fine, sizeof(float) * n, 0);
    int* ctrl = clSVMAlloc(ctx, fine | CL_MEM_SVM_ATOMICS, sizeof(int) * 4, 0);
    if (!x || !w || !y || !ctrl) { fprintf(stderr, "clSVMAlloc failed\n"); return 1; }
    for (int j = 0; j < k; ++j) x[j] = (float)(j % 5) * 0.25f;
    for (long i = 0; i < (long)n * k; ++i) w[i] = (float)(i % 7) * 0.125f;
    cl_kernel kl = clCreateKernel(prog, "gemv_launch", &err); CHECK(err);
    cl_kernel kp = clCreateKernel(prog, "gemv_persistent", &err); CHECK(err);
    cl_kernel both[2] = {kl, kp};
    for (int i = 0; i < 2; ++i) {
      CHECK(clSetKernelArgSVMPointer(both[i], 0, x)); CHECK(clSetKernelArgSVMPointer(both[i], 1, w));
      CHECK(clSetKernelArgSVMPointer(both[i], 2, y)); CHECK(clSetKernelArg(both[i], 3, sizeof n, &n));
      CHECK(clSetKernelArg(both[i], 4, sizeof k, &k)); CHECK(clSetKernelArgSVMPointer(both[i], 5, ctrl));
    }
    const size_t global = (size_t)groups, local = 1;
    for (int round = 0; round < 3; ++round) {
      // launch: one enqueue per execution
      for (int i = -20; i < samples; ++i) {
        __atomic_store_n(&ctrl[1], 0, __ATOMIC_RELAXED);
        const double t0 = NowUs();
        CHECK(clEnqueueNDRangeKernel(q, kl, 1, NULL, &global, &local, 0, NULL, NULL));
        CHECK(clFlush(q));
        WaitDone(&ctrl[1], groups);
        if (i >= 0) t[i] = NowUs() - t0;
      }
      CHECK(clFinish(q));
      qsort(t, samples, sizeof *t, Cmp);
      printf("{\"mode\":\"launch\",\"round\":%d,\"n\":%d,\"k\":%d,\"medianUs\":%.2f,\"minUs\":%.2f}\n", round, n, k, t[samples / 2], t[0]);
      // persistent: launched once, then an epoch bump per execution
      ctrl[0] = 0; ctrl[1] = 0; ctrl[2] = 0;
      CHECK(clEnqueueNDRangeKernel(q, kp, 1, NULL, &global, &local, 0, NULL, NULL));
      CHECK(clFlush(q));
      for (int i = -20; i < samples; ++i) {
        const int epoch = i + 21;
        const double t0 = NowUs();
        __atomic_store_n(&ctrl[0], epoch, __ATOMIC_RELEASE);
        WaitDone(&ctrl[1], epoch * groups);
        if (i >= 0) t[i] = NowUs() - t0;
      }
      __atomic_store_n(&ctrl[2], 1, __ATOMIC_RELEASE);
      CHECK(clFinish(q));
      qsort(t, samples, sizeof *t, Cmp);
      printf("{\"mode\":\"persistent\",\"round\":%d,\"n\":%d,\"k\":%d,\"medianUs\":%.2f,\"minUs\":%.2f}\n", round, n, k, t[samples / 2], t[0]);
    }
    // The last execution's output against a host reference, so neither mode is timed doing nothing.
    double worst = 0;
    for (int r = 0; r < n; ++r) {
      double ref = 0;
      for (int j = 0; j < k; ++j) ref += (double)w[(long)r * k + j] * x[j];
      const double e = ref - y[r] < 0 ? y[r] - ref : ref - y[r];
      if (e / (1 + (ref < 0 ? -ref : ref)) > worst) worst = e / (1 + (ref < 0 ? -ref : ref));
    }
    printf("{\"check\":{\"n\":%d,\"k\":%d,\"maxRelErr\":%.3g,\"passed\":%s}}\n", n, k, worst, worst < 1e-4 ? "true" : "false");
    clReleaseKernel(kl); clReleaseKernel(kp);
    clSVMFree(ctx, x); clSVMFree(ctx, w); clSVMFree(ctx, y); clSVMFree(ctx, ctrl);
  }
  free(t);
  return 0;
}
