#pragma once
// NumPy .npz files (what np.savez writes: a zip of .npy members, one per named array), read and
// written with libzip. Native builds only; the page zips with fflate (web/weights.js).
#include <string>
#include <vector>

#include "../io/weights.hpp"
#include "../status.hpp"

namespace wn {

// The bytes of an .npz holding the arrays as "<name>.npy", stored uncompressed as np.savez does.
Result<std::string> npz_encode(const std::vector<NamedArray>& arrays);

// Reads the weight file at `path` for `model`: exactly the arrays the model has (weight_layout),
// each with its shape. Every member's .npy header (name, dtype, shape, and the size the zip
// declares) is checked before any data is inflated, and together they may inflate to at most
// kNpzMaxTotal bytes, as on the page (web/weights.js): a 4.7 MB file of zeros in 4 members asked
// for 1 GB before, and a 65 MB one could ask for 64 GB.
constexpr int kNpzMaxMembers = 256;
constexpr std::size_t kNpzMaxTotal = std::size_t(16) << 20;
Result<std::vector<NamedArray>> npz_read(const std::string& path, const Model& model);

}  // namespace wn
