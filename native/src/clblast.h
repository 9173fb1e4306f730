// The optional CLBlast yardstick for linear layers: libclblast is dlopen'ed (never linked) and its
// CLBlastSgemv (M = 1) or CLBlastSgemm computes the GPU rows on ordinary cl_mem buffers, so our kernels can be compared with a
// tuned library on the same device. Only the buffer mechanisms (finish, event-poll) can drive it.
#pragma once

#include <string>

#include "ocl.h"
#include "plan.h"

namespace coexec {

// Empty when the library loaded, else why not (the job is then "skipped").
std::string ClblastUnavailableReason();
std::string ClblastLibraryPath();

// Y[m, n] for n in [rowOffset, N): Y = X * W^T + Y, on buffers (Y must hold the bias rows already).
// Returns the event of the GEMM's last kernel. Throws with the CLBlast status code on failure.
void ClblastLinearRows(const LinearShape& s, int rowOffset, cl_mem X, cl_mem W, cl_mem Y, cl_command_queue q,
                       cl_event* event);

}  // namespace coexec
