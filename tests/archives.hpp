#pragma once
// Small archives made in memory for the parser tests: ustar tarballs, gzip, and
// CIFAR-10 records whose pixels encode (image, channel, position).
#include <sys/stat.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace wn::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes make_tar(const std::vector<std::pair<std::string, Bytes>>& members, bool end_blocks = true) {
  Bytes out;
  for (const auto& [name, data] : members) {
    std::uint8_t h[512] = {};
    std::snprintf(reinterpret_cast<char*>(h), 100, "%s", name.c_str());
    std::snprintf(reinterpret_cast<char*>(h + 100), 8, "%07o", 0644);
    std::snprintf(reinterpret_cast<char*>(h + 124), 12, "%011lo", static_cast<unsigned long>(data.size()));
    h[156] = '0';
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (std::uint8_t b : h) sum += b;
    std::snprintf(reinterpret_cast<char*>(h + 148), 8, "%06o", sum);
    out.insert(out.end(), h, h + 512);
    out.insert(out.end(), data.begin(), data.end());
    out.resize((out.size() + 511) / 512 * 512, 0);
  }
  if (end_blocks) out.resize(out.size() + 1024, 0);
  return out;
}

inline Bytes gzip(const Bytes& in) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  Bytes out(deflateBound(&zs, uLong(in.size())) + 64);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = uInt(in.size());
  zs.next_out = out.data();
  zs.avail_out = uInt(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Records for `count` images; image i has label labels(i) and pixel value
// (tag + i + 7·channel + position) mod 256 at each planar position.
inline Bytes cifar_records(int count, int tag, int label_offset = 0) {
  Bytes out;
  for (int i = 0; i < count; ++i) {
    out.push_back(std::uint8_t((i + label_offset) % 10));
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < 1024; ++p) out.push_back(std::uint8_t(tag + i + 7 * c + p));
  }
  return out;
}

inline std::string temp_dir() {
  char tmpl[] = "/tmp/wn-test-XXXXXX";
  return mkdtemp(tmpl);
}

inline void write_file(const std::string& path, const Bytes& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

}  // namespace wn::test
