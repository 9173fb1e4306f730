// The optional CLBlast variants: libclblast is dlopen'ed (never linked) and its CLBlastSgemv (linear, M = 1),
// CLBlastSgemm (linear) or CLBlastSconvgemm (conv2d) computes the GPU rows on ordinary cl_mem buffers, so our
// kernels can be compared with a tuned library on the same device. Only the buffer mechanisms (finish,
// event-poll) can drive it.
#pragma once

#include <string>

#include "ocl.h"
#include "plan.h"

namespace coexec {

// Empty when the library loaded with what the layer kind needs, else why not (the job is then "skipped").
std::string ClblastUnavailableReason(bool conv = false);
std::string ClblastLibraryPath();

// Y[m, n] for n in [rowOffset, N) and m in [mOffset, M): Y = X * W^T + Y, on buffers (Y must hold the bias
// rows already). Returns the event of the GEMM's last kernel. Throws with the CLBlast status code on failure.
void ClblastLinearRows(const LinearShape& s, int rowOffset, int mOffset, cl_mem X, cl_mem W, cl_mem Y,
                       cl_command_queue q, cl_event* event);

// Y[b, f, p, q] for f in [rowOffset, F) = the convolution without bias (the conv_bias_rows kernel adds it), per
// image. Returns the event of the last image's last kernel. Throws with the CLBlast status code on failure.
void ClblastConvRows(const ConvShape& c, int rowOffset, cl_mem X, cl_mem W, cl_mem Y, cl_command_queue q,
                     cl_event* event);

}  // namespace coexec
