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

// Reads an .npz file: at most kNpzMaxMembers members of at most kNpzMaxBytes each.
constexpr int kNpzMaxMembers = 256;
constexpr std::size_t kNpzMaxBytes = std::size_t(256) << 20;
Result<std::vector<NamedArray>> npz_read(const std::string& path);

}  // namespace wn
