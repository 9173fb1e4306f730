// Does NVIDIA's OpenCL overlap one in-order queue's copies with another queue's kernel? (issue 12/14 probe)
// The GPU share of linear 256x768x3072 moves 786 KB in and 3.1 MB out around a ~50 us kernel on one queue.
// This probe times the same traffic cut into k chunks on k in-order queues (k = 1, 2, 4, 8), pinned host
// buffers (CL_MEM_ALLOC_HOST_PTR mapped once), a kernel that touches its chunk of Y and burns a fixed
// number of FMAs per work-item, wait = clFinish on every queue. Prints one JSON line per k: median and
// min wall time over the samples. Then (copy mode) one copy of 1, 2 and 4 MB in each direction cut into k
// parts on k queues: can two copy engines beat one copy's fixed cost at 1 MB?
// Build: gcc -O2 queue_overlap_probe.c -lOpenCL -o probe; run: probe [BURN [SAMPLES]]
#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(x) do { cl_int e_ = (x); if (e_ != CL_SUCCESS) { fprintf(stderr, "%s: %d (line %d)\n", #x, e_, __LINE__); exit(1); } } while (0)

static const char* kSource =
    "__kernel void busy(__global const float* x, __global float* y, int rowsX, int burn) {\n"
    "  size_t i = get_global_id(0); float a = x[i % rowsX], b = 1.0001f;\n"
    "  for (int k = 0; k < burn; ++k) a = fma(a, b, 0.5f);\n"
    "  y[i] = a; }\n";

static double NowUs(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
static int Cmp(const void* a, const void* b) { double d = *(const double*)a - *(const double*)b; return (d > 0) - (d < 0); }

int main(int argc, char** argv) {
  const size_t xFloats = 256 * 768, yFloats = 256 * 3072;
  const int burn = argc > 1 ? atoi(argv[1]) : 200, samples = argc > 2 ? atoi(argv[2]) : 200;
  cl_platform_id plats[8]; cl_uint np = 0; CHECK(clGetPlatformIDs(8, plats, &np));
  cl_device_id dev = NULL;
  for (cl_uint p = 0; p < np && !dev; ++p) if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_GPU, 1, &dev, NULL) != CL_SUCCESS) dev = NULL;
  for (cl_uint p = 0; p < np && !dev && getenv("PROBE_ANY_DEVICE"); ++p)  // local check on PoCL
    if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 1, &dev, NULL) != CL_SUCCESS) dev = NULL;
  if (!dev) { fprintf(stderr, "no GPU device\n"); return 1; }
  char name[256]; clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof name, name, NULL);
  cl_int err; cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err); CHECK(err);
  cl_program prog = clCreateProgramWithSource(ctx, 1, &kSource, NULL, &err); CHECK(err);
  CHECK(clBuildProgram(prog, 1, &dev, "", NULL, NULL));
  cl_command_queue q[8];
  for (int i = 0; i < 8; ++i) { q[i] = clCreateCommandQueueWithProperties(ctx, dev, NULL, &err); CHECK(err); }
  cl_mem hx = clCreateBuffer(ctx, CL_MEM_ALLOC_HOST_PTR, xFloats * 4, NULL, &err); CHECK(err);
  cl_mem hy = clCreateBuffer(ctx, CL_MEM_ALLOC_HOST_PTR, yFloats * 4, NULL, &err); CHECK(err);
  float* px = clEnqueueMapBuffer(q[0], hx, CL_TRUE, CL_MAP_WRITE, 0, xFloats * 4, 0, NULL, NULL, &err); CHECK(err);
  float* py = clEnqueueMapBuffer(q[0], hy, CL_TRUE, CL_MAP_READ, 0, yFloats * 4, 0, NULL, NULL, &err); CHECK(err);
  for (size_t i = 0; i < xFloats; ++i) px[i] = (float)(i % 7);
  cl_mem dx = clCreateBuffer(ctx, CL_MEM_READ_ONLY, xFloats * 4, NULL, &err); CHECK(err);
  cl_mem dy = clCreateBuffer(ctx, CL_MEM_READ_WRITE, yFloats * 4, NULL, &err); CHECK(err);
  cl_kernel kern[8];
  for (int c = 0; c < 8; ++c) { kern[c] = clCreateKernel(prog, "busy", &err); CHECK(err); }
  const int ks[] = {1, 2, 4, 8};
  double* t = malloc(sizeof(double) * samples);
  printf("{\"device\":\"%s\",\"burn\":%d,\"samples\":%d}\n", name, burn, samples);
  for (int round = 0; round < 3; ++round) {
    for (int ki = 0; ki < 4; ++ki) {
      const int k = ks[ki];
      const size_t xc = xFloats / k, yc = yFloats / k;
      cl_mem subx[8], suby[8];
      for (int c = 0; c < k; ++c) {
        cl_buffer_region rx = {c * xc * 4, xc * 4}, ry = {c * yc * 4, yc * 4};
        subx[c] = clCreateSubBuffer(dx, 0, CL_BUFFER_CREATE_TYPE_REGION, &rx, &err); CHECK(err);
        suby[c] = clCreateSubBuffer(dy, 0, CL_BUFFER_CREATE_TYPE_REGION, &ry, &err); CHECK(err);
        int rows = (int)xc;
        CHECK(clSetKernelArg(kern[c], 0, sizeof(cl_mem), &subx[c]));
        CHECK(clSetKernelArg(kern[c], 1, sizeof(cl_mem), &suby[c]));
        CHECK(clSetKernelArg(kern[c], 2, sizeof(int), &rows));
        CHECK(clSetKernelArg(kern[c], 3, sizeof(int), &burn));
      }
      for (int s = -10; s < samples; ++s) {
        double t0 = NowUs();
        for (int c = 0; c < k; ++c) {
          CHECK(clEnqueueWriteBuffer(q[c], dx, CL_FALSE, c * xc * 4, xc * 4, px + c * xc, 0, NULL, NULL));
          size_t g = yc;
          CHECK(clEnqueueNDRangeKernel(q[c], kern[c], 1, NULL, &g, NULL, 0, NULL, NULL));
          CHECK(clEnqueueReadBuffer(q[c], dy, CL_FALSE, c * yc * 4, yc * 4, py + c * yc, 0, NULL, NULL));
          CHECK(clFlush(q[c]));
        }
        for (int c = 0; c < k; ++c) CHECK(clFinish(q[c]));
        if (s >= 0) t[s] = NowUs() - t0;
      }
      qsort(t, samples, sizeof(double), Cmp);
      printf("{\"round\":%d,\"queues\":%d,\"medianUs\":%.1f,\"minUs\":%.1f,\"p90Us\":%.1f}\n", round, k, t[samples / 2], t[0],
             t[samples * 9 / 10]);
      fflush(stdout);
      for (int c = 0; c < k; ++c) { clReleaseMemObject(subx[c]); clReleaseMemObject(suby[c]); }
    }
  }
  // kernel alone and copies alone on one queue, for the decomposition
  for (int part = 0; part < 2; ++part) {
    for (int s = 0; s < samples; ++s) {
      double t0 = NowUs();
      if (part == 0) { size_t g = yFloats; CHECK(clSetKernelArg(kern[0], 0, sizeof(cl_mem), &dx)); CHECK(clSetKernelArg(kern[0], 1, sizeof(cl_mem), &dy));
        int rows = (int)xFloats; CHECK(clSetKernelArg(kern[0], 2, sizeof(int), &rows)); CHECK(clEnqueueNDRangeKernel(q[0], kern[0], 1, NULL, &g, NULL, 0, NULL, NULL)); }
      else { CHECK(clEnqueueWriteBuffer(q[0], dx, CL_FALSE, 0, xFloats * 4, px, 0, NULL, NULL));
        CHECK(clEnqueueReadBuffer(q[0], dy, CL_FALSE, 0, yFloats * 4, py, 0, NULL, NULL)); }
      CHECK(clFinish(q[0]));
      t[s] = NowUs() - t0;
    }
    qsort(t, samples, sizeof(double), Cmp);
    printf("{\"part\":\"%s\",\"medianUs\":%.1f,\"minUs\":%.1f}\n", part ? "copies-only" : "kernel-only", t[samples / 2], t[0]);
  }
  // Copy mode: bytes cut into k equal parts, part c on queue c, from and to a pinned 4 MB buffer.
  cl_mem hc = clCreateBuffer(ctx, CL_MEM_ALLOC_HOST_PTR, 4 << 20, NULL, &err); CHECK(err);
  char* pc = clEnqueueMapBuffer(q[0], hc, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0, 4 << 20, 0, NULL, NULL, &err); CHECK(err);
  memset(pc, 1, 4 << 20);
  cl_mem dc = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 4 << 20, NULL, &err); CHECK(err);
  for (int round = 0; round < 3; ++round) {
    for (int mb = 1; mb <= 4; mb *= 2) {
      const size_t bytes = (size_t)mb << 20;
      for (int dir = 0; dir < 2; ++dir) {
        for (int ki = 0; ki < 3; ++ki) {
          const int k = ks[ki];
          const size_t part = bytes / k;
          for (int s = -10; s < samples; ++s) {
            double t0 = NowUs();
            for (int c = 0; c < k; ++c) {
              if (dir == 0) CHECK(clEnqueueWriteBuffer(q[c], dc, CL_FALSE, c * part, part, pc + c * part, 0, NULL, NULL));
              else CHECK(clEnqueueReadBuffer(q[c], dc, CL_FALSE, c * part, part, pc + c * part, 0, NULL, NULL));
              if (k > 1) CHECK(clFlush(q[c]));
            }
            for (int c = 0; c < k; ++c) CHECK(clFinish(q[c]));
            if (s >= 0) t[s] = NowUs() - t0;
          }
          qsort(t, samples, sizeof(double), Cmp);
          printf("{\"round\":%d,\"copyMB\":%d,\"direction\":\"%s\",\"queues\":%d,\"medianUs\":%.1f,\"minUs\":%.1f,"
                 "\"gbPerS\":%.1f}\n", round, mb, dir ? "to-host" : "to-device", k, t[samples / 2], t[0],
                 bytes / (t[samples / 2] * 1e3));
          fflush(stdout);
        }
      }
    }
  }
  return 0;
}
