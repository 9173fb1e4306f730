// dlopen-based loader of the OpenCL library and the table of symbolic error names.
#include "ocl_api.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace coexec {

namespace {

// Candidate libraries in the order tried: the ICD loader first (desktop Linux, PoCL), then the places
// Android vendors put their driver (the loader is not part of the NDK).
std::vector<std::string> CandidatePaths() {
  std::vector<std::string> paths;
  if (const char* env = std::getenv("COEXEC_OPENCL_LIB"); env && *env) {
    paths.push_back(env);
    return paths;  // an explicit choice is never silently replaced
  }
  for (const char* p : {"libOpenCL.so.1", "libOpenCL.so", "/vendor/lib64/libOpenCL.so",
                        "/system/vendor/lib64/libOpenCL.so", "/system/lib64/libOpenCL.so",
                        "/vendor/lib64/egl/libGLES_mali.so", "/system/vendor/lib64/egl/libGLES_mali.so",
                        "/vendor/lib64/libPVROCL.so", "/vendor/lib/libOpenCL.so"}) {
    paths.push_back(p);
  }
  return paths;
}

ClApi gApi;
const ClApi* gLoaded = nullptr;
std::string gWhy;
std::once_flag gOnce;

void Load() {
  std::string tried;
  for (const auto& path : CandidatePaths()) {
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      tried += (tried.empty() ? "" : "; ") + path + ": " + dlerror();
      continue;
    }
    ClApi api;
    std::string missing;
#define COEXEC_LOAD(name)                                                      \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(lib, #name));          \
  if (!api.name) missing += std::string(missing.empty() ? "" : ", ") + #name;
    COEXEC_CL_FUNCTIONS(COEXEC_LOAD)
#undef COEXEC_LOAD
#define COEXEC_LOAD_OPTIONAL(name) api.name = reinterpret_cast<decltype(api.name)>(dlsym(lib, #name));
    COEXEC_CL20_FUNCTIONS(COEXEC_LOAD_OPTIONAL)
#undef COEXEC_LOAD_OPTIONAL
    if (!missing.empty()) {
      tried += (tried.empty() ? "" : "; ") + path + ": missing " + missing;
      dlclose(lib);
      continue;
    }
    api.libraryPath = path;
    gApi = api;
    gLoaded = &gApi;  // the library stays open for the life of the process
    return;
  }
  gWhy = "no usable OpenCL library (" + tried + ")";
}

}  // namespace

const ClApi* LoadClApi(std::string* why) {
  std::call_once(gOnce, Load);
  if (!gLoaded && why) *why = gWhy;
  return gLoaded;
}

const char* ClErrorName(cl_int code) {
  switch (code) {
#define N(c) case c: return #c;
    N(CL_SUCCESS) N(CL_DEVICE_NOT_FOUND) N(CL_DEVICE_NOT_AVAILABLE) N(CL_COMPILER_NOT_AVAILABLE)
    N(CL_MEM_OBJECT_ALLOCATION_FAILURE) N(CL_OUT_OF_RESOURCES) N(CL_OUT_OF_HOST_MEMORY)
    N(CL_PROFILING_INFO_NOT_AVAILABLE) N(CL_MEM_COPY_OVERLAP) N(CL_IMAGE_FORMAT_MISMATCH)
    N(CL_IMAGE_FORMAT_NOT_SUPPORTED) N(CL_BUILD_PROGRAM_FAILURE) N(CL_MAP_FAILURE)
    N(CL_MISALIGNED_SUB_BUFFER_OFFSET) N(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
    N(CL_COMPILE_PROGRAM_FAILURE) N(CL_LINKER_NOT_AVAILABLE) N(CL_LINK_PROGRAM_FAILURE)
    N(CL_DEVICE_PARTITION_FAILED) N(CL_KERNEL_ARG_INFO_NOT_AVAILABLE) N(CL_INVALID_VALUE)
    N(CL_INVALID_DEVICE_TYPE) N(CL_INVALID_PLATFORM) N(CL_INVALID_DEVICE) N(CL_INVALID_CONTEXT)
    N(CL_INVALID_QUEUE_PROPERTIES) N(CL_INVALID_COMMAND_QUEUE) N(CL_INVALID_HOST_PTR)
    N(CL_INVALID_MEM_OBJECT) N(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR) N(CL_INVALID_IMAGE_SIZE)
    N(CL_INVALID_SAMPLER) N(CL_INVALID_BINARY) N(CL_INVALID_BUILD_OPTIONS) N(CL_INVALID_PROGRAM)
    N(CL_INVALID_PROGRAM_EXECUTABLE) N(CL_INVALID_KERNEL_NAME) N(CL_INVALID_KERNEL_DEFINITION)
    N(CL_INVALID_KERNEL) N(CL_INVALID_ARG_INDEX) N(CL_INVALID_ARG_VALUE) N(CL_INVALID_ARG_SIZE)
    N(CL_INVALID_KERNEL_ARGS) N(CL_INVALID_WORK_DIMENSION) N(CL_INVALID_WORK_GROUP_SIZE)
    N(CL_INVALID_WORK_ITEM_SIZE) N(CL_INVALID_GLOBAL_OFFSET) N(CL_INVALID_EVENT_WAIT_LIST)
    N(CL_INVALID_EVENT) N(CL_INVALID_OPERATION) N(CL_INVALID_GL_OBJECT) N(CL_INVALID_BUFFER_SIZE)
    N(CL_INVALID_MIP_LEVEL) N(CL_INVALID_GLOBAL_WORK_SIZE) N(CL_INVALID_PROPERTY)
    N(CL_INVALID_IMAGE_DESCRIPTOR) N(CL_INVALID_COMPILER_OPTIONS) N(CL_INVALID_LINKER_OPTIONS)
    N(CL_INVALID_DEVICE_PARTITION_COUNT) N(CL_INVALID_PIPE_SIZE) N(CL_INVALID_DEVICE_QUEUE)
#undef N
    default: {
      static thread_local char buf[32];
      std::snprintf(buf, sizeof buf, "CL_ERROR(%d)", static_cast<int>(code));
      return buf;
    }
  }
}

}  // namespace coexec
