// `coexec-engine info`: the CPU (model, cores, per-core max frequency, cluster, governor) and every OpenCL
// platform/device with its capabilities and the sync mechanisms that passed a real round trip on it.
#pragma once

#include "json.h"

namespace coexec {

Json CollectInfo();

}  // namespace coexec
