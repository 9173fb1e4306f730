// Writes float32 tensors as NumPy .npy files (format version 1.0, '<f4', C order) so that anyone can check
// a result with their own tools (bench --save-tensors).
#pragma once

#include <string>
#include <vector>

namespace coexec {

// Throws std::runtime_error naming the path when the file cannot be written.
void WriteNpy(const std::string& path, const float* data, const std::vector<size_t>& shape);

}  // namespace coexec
