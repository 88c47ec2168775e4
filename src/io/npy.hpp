#pragma once
// NumPy's .npy format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html),
// as np.save writes a float32 array: the magic "\x93NUMPY", a version, a header dict
// {'descr': '<f4', 'fortran_order': False, 'shape': (…), } padded to 64 bytes, then the data in
// C order. Weight files (.npz) are zips of these. The decoder takes files from users: it checks
// every field and size, and returns an error for anything else; it never throws.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../status.hpp"

namespace wn {

struct NpyArray {
  std::vector<int> shape;
  std::vector<float> data;  // C order
};

// The bytes of a version-1.0 .npy file holding data (product of shape floats) as '<f4'.
std::string npy_encode(const float* data, const std::vector<int>& shape);

// How messages write a shape, as NumPy prints it: "(5, 5, 3, 6)".
std::string shape_text(const std::vector<int>& shape);

// What a .npy header declares: enough to judge an array before its data is read.
struct NpyHeader {
  std::vector<int> shape;
  std::size_t width = 0;        // bytes per value: 4 ('<f4') or 8 ('<f8')
  std::size_t data_offset = 0;  // where the data starts: after the magic, version, length and header
  std::size_t count = 1;        // values: the product of shape
  std::size_t file_bytes() const { return data_offset + count * width; }
};
// Reads the header at the start of a .npy file; `len` may stop anywhere after it (the data is
// not looked at). Same checks and limits as npy_decode.
Result<NpyHeader> npy_header(const std::uint8_t* bytes, std::size_t len);

// Reads little-endian float32 ('<f4') or float64 ('<f8', converted) arrays in C order, at most
// kNpyMaxElements elements.
constexpr std::size_t kNpyMaxElements = std::size_t(1) << 26;
constexpr std::size_t kNpyMaxHeader = 65536;  // header bytes after the length field
Result<NpyArray> npy_decode(const std::uint8_t* bytes, std::size_t len);

}  // namespace wn
