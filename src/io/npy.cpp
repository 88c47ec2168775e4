#include "npy.hpp"

#include <cstring>

namespace wn {

namespace {
constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;

bool little_endian() {
  const std::uint16_t one = 1;
  std::uint8_t first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

// The value after 'key': in a header dict, or npos.
std::size_t value_of(const std::string& header, const std::string& key) {
  const std::size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) return k;
  std::size_t at = header.find(':', k);
  if (at == std::string::npos) return at;
  ++at;
  while (at < header.size() && header[at] == ' ') ++at;
  return at;
}
}  // namespace

std::string shape_text(const std::vector<int>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

std::string npy_encode(const float* data, const std::vector<int>& shape) {
  std::size_t count = 1;
  std::string dims;
  for (int d : shape) {
    count *= std::size_t(d);
    dims += std::to_string(d) + ", ";
  }
  if (shape.size() > 1) dims.erase(dims.size() - 2);  // (a, b); a 1-tuple keeps its comma: (a,)
  else if (!dims.empty()) dims.erase(dims.size() - 1);
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Magic, version, header length, header and padding to a multiple of 64, ending in '\n'.
  const std::size_t unpadded = kMagicLen + 2 + 2 + header.size() + 1;
  header += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
  std::string out(kMagic, kMagicLen);
  out += '\x01';
  out += '\x00';
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  out += header;
  const std::size_t at = out.size();
  out.resize(at + count * sizeof(float));
  if (little_endian()) {
    std::memcpy(&out[at], data, count * sizeof(float));
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      std::uint32_t bits;
      std::memcpy(&bits, data + i, 4);
      for (int b = 0; b < 4; ++b) out[at + 4 * i + b] = char((bits >> (8 * b)) & 0xff);
    }
  }
  return out;
}

Result<NpyHeader> npy_header(const std::uint8_t* bytes, std::size_t len) {
  if (len < kMagicLen + 4 || std::memcmp(bytes, kMagic, kMagicLen) != 0) return Error{"not a .npy file (no \\x93NUMPY magic)"};
  const int major = bytes[kMagicLen];
  std::size_t header_len, at;
  if (major == 1) {
    header_len = bytes[8] | std::size_t(bytes[9]) << 8;
    at = 10;
  } else if (major == 2 || major == 3) {
    if (len < 12) return Error{"truncated .npy header"};
    header_len = bytes[8] | std::size_t(bytes[9]) << 8 | std::size_t(bytes[10]) << 16 | std::size_t(bytes[11]) << 24;
    at = 12;
  } else {
    return Error{".npy version " + std::to_string(major) + " is not supported"};
  }
  if (header_len > len - at || header_len > kNpyMaxHeader) return Error{"truncated .npy header"};
  const std::string header(reinterpret_cast<const char*>(bytes + at), header_len);
  NpyHeader out;
  out.data_offset = at + header_len;

  const std::size_t descr = value_of(header, "descr");
  if (descr == std::string::npos) return Error{".npy header has no 'descr'"};
  if (header.compare(descr, 5, "'<f4'") == 0) out.width = 4;
  else if (header.compare(descr, 5, "'<f8'") == 0) out.width = 8;
  else return Error{".npy arrays must be little-endian float32 or float64, got " + header.substr(descr, 8)};
  const std::size_t order = value_of(header, "fortran_order");
  if (order == std::string::npos || header.compare(order, 5, "False") != 0) return Error{".npy arrays must be in C order"};

  const std::size_t shape_at = value_of(header, "shape");
  if (shape_at == std::string::npos || shape_at >= header.size() || header[shape_at] != '(') return Error{".npy header has no shape"};
  const std::size_t close = header.find(')', shape_at);
  if (close == std::string::npos) return Error{".npy shape is not closed"};
  for (std::size_t p = shape_at + 1; p < close;) {
    while (p < close && (header[p] == ' ' || header[p] == ',')) ++p;
    if (p == close) break;
    std::size_t d = 0;
    const std::size_t digits = p;
    while (p < close && header[p] >= '0' && header[p] <= '9') {
      d = d * 10 + std::size_t(header[p++] - '0');
      if (d > kNpyMaxElements) return Error{".npy array is too large"};
    }
    if (p == digits) return Error{".npy shape holds something other than sizes"};
    out.count *= d;
    if (out.count > kNpyMaxElements) return Error{".npy array is too large"};
    out.shape.push_back(int(d));
  }
  return out;
}

Result<NpyArray> npy_decode(const std::uint8_t* bytes, std::size_t len) {
  auto header = npy_header(bytes, len);
  if (!header) return Error{header.message()};
  const std::size_t at = header->data_offset, count = header->count, width = header->width;
  NpyArray out;
  out.shape = header->shape;
  if (len - at != count * width)
    return Error{".npy data holds " + std::to_string(len - at) + " bytes, the shape needs " + std::to_string(count * width)};
  out.data.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* b = bytes + at + i * width;
    std::uint64_t bits = 0;
    for (std::size_t k = 0; k < width; ++k) bits |= std::uint64_t(b[k]) << (8 * k);
    if (width == 4) {
      const auto v32 = std::uint32_t(bits);
      std::memcpy(&out.data[i], &v32, 4);
    } else {
      double v;
      std::memcpy(&v, &bits, 8);
      out.data[i] = float(v);
    }
  }
  return out;
}

}  // namespace wn
