// The OpenCL entry points the engine calls, loaded at run time with dlopen/dlsym into one function table.
// The Khronos headers give the types and prototypes only; nothing links against libOpenCL, so the binary
// starts (and reports why) on a machine without any OpenCL library, as mobile frameworks do.
#pragma once

#include <CL/cl.h>

#include <string>

namespace coexec {

#define COEXEC_CL_FUNCTIONS(X)                                                                          \
  X(clGetPlatformIDs) X(clGetPlatformInfo) X(clGetDeviceIDs) X(clGetDeviceInfo) X(clCreateContext)       \
  X(clReleaseContext) X(clCreateCommandQueue) X(clReleaseCommandQueue) X(clCreateProgramWithSource)      \
  X(clBuildProgram) X(clGetProgramBuildInfo) X(clReleaseProgram) X(clCreateKernel) X(clReleaseKernel)    \
  X(clSetKernelArg) X(clGetKernelWorkGroupInfo) X(clCreateBuffer) X(clReleaseMemObject)                  \
  X(clEnqueueWriteBuffer) X(clEnqueueCopyBuffer) X(clEnqueueReadBufferRect) X(clEnqueueReadBuffer) X(clEnqueueNDRangeKernel)    \
  X(clEnqueueMapBuffer) X(clEnqueueUnmapMemObject) X(clEnqueueCopyBufferRect) X(clEnqueueWriteBufferRect)\
  X(clFlush) X(clFinish) X(clWaitForEvents) X(clGetEventInfo) X(clGetEventProfilingInfo)                 \
  X(clReleaseEvent) X(clRetainEvent) X(clGetCommandQueueInfo)

// OpenCL 2.0 entry points: absent from 1.2-only libraries, so they may stay null; likewise the extension
// loader (1.2), which only cl_khr_command_buffer needs (command_buffer.cpp).
#define COEXEC_CL20_FUNCTIONS(X) \
  X(clSVMAlloc) X(clSVMFree) X(clSetKernelArgSVMPointer) X(clEnqueueSVMMap) X(clEnqueueSVMUnmap) \
  X(clGetExtensionFunctionAddressForPlatform)

struct ClApi {
#define COEXEC_DECLARE(name) decltype(&::name) name = nullptr;
  COEXEC_CL_FUNCTIONS(COEXEC_DECLARE)
  COEXEC_CL20_FUNCTIONS(COEXEC_DECLARE)
#undef COEXEC_DECLARE
  std::string libraryPath;  // the library that was loaded
  bool HasSvm() const { return clSVMAlloc && clSVMFree && clSetKernelArgSVMPointer && clEnqueueSVMMap; }
};

// Loads the library once (COEXEC_OPENCL_LIB, then libOpenCL.so.1, libOpenCL.so, then Android vendor paths).
// Returns null and sets *why when no library or a required symbol is missing.
const ClApi* LoadClApi(std::string* why);

// "CL_INVALID_WORK_GROUP_SIZE" for -54, "CL_ERROR(-1234)" for unknown codes.
const char* ClErrorName(cl_int code);

}  // namespace coexec
