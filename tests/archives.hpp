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

inline Bytes concat(Bytes head, const Bytes& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

// A ustar header for a member of `size` bytes (which may be more than follow it); type '0' is a
// regular file.
inline Bytes tar_header(const std::string& name, std::uint64_t size, char type = '0') {
  Bytes h(512, 0);
  char* c = reinterpret_cast<char*>(h.data());
  std::snprintf(c, 100, "%s", name.c_str());
  std::snprintf(c + 100, 8, "%07o", 0644);
  char octal[24];  // 11 octal digits and a NUL fill the field for sizes below 8 GiB, all the tests use
  std::snprintf(octal, sizeof octal, "%011llo", static_cast<unsigned long long>(size));
  std::memcpy(c + 124, octal, 12);
  h[156] = std::uint8_t(type);
  std::memcpy(c + 257, "ustar", 6);
  std::memcpy(c + 263, "00", 2);
  std::memset(c + 148, ' ', 8);
  unsigned sum = 0;
  for (std::uint8_t b : h) sum += b;
  std::snprintf(c + 148, 8, "%06o", sum);
  return h;
}

// One member: its header, its data, zero padding to the block.
inline Bytes tar_member(const std::string& name, const Bytes& data, char type = '0') {
  Bytes m = concat(tar_header(name, data.size(), type), data);
  m.resize((m.size() + 511) / 512 * 512, 0);
  return m;
}

// A pax extended header's record "LENGTH key=value\n", LENGTH counting itself.
inline Bytes pax_record(const std::string& key, const std::string& value) {
  const std::string body = " " + key + "=" + value + "\n";
  std::size_t length = body.size() + 1;
  while (std::to_string(length).size() + body.size() != length) ++length;
  const std::string record = std::to_string(length) + body;
  return Bytes(record.begin(), record.end());
}

inline Bytes make_tar(const std::vector<std::pair<std::string, Bytes>>& members, bool end_blocks = true) {
  Bytes out;
  for (const auto& [name, data] : members) out = concat(std::move(out), tar_member(name, data));
  if (end_blocks) out.resize(out.size() + 1024, 0);
  return out;
}

// One gzip member holding `in`, then `zeros` zero bytes (streamed: a gzip bomb needs no memory).
inline Bytes gzip(const Bytes& in, std::uint64_t zeros = 0) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  Bytes out, buf(1 << 16);
  const Bytes zero_block(1 << 20, 0);
  auto feed = [&](const Bytes& data, std::size_t len, int flush) {
    zs.next_in = const_cast<Bytef*>(data.data());
    zs.avail_in = uInt(len);
    do {
      zs.next_out = buf.data();
      zs.avail_out = uInt(buf.size());
      deflate(&zs, flush);
      out.insert(out.end(), buf.begin(), buf.end() - zs.avail_out);
    } while (zs.avail_out == 0);
  };
  feed(in, in.size(), Z_NO_FLUSH);
  for (; zeros > 0; zeros -= std::min<std::uint64_t>(zeros, zero_block.size()))
    feed(zero_block, std::size_t(std::min<std::uint64_t>(zeros, zero_block.size())), Z_NO_FLUSH);
  feed(in, 0, Z_FINISH);
  deflateEnd(&zs);
  return out;
}

// `in` split at `cuts` into separate gzip members, one after the other, as `cat a.gz b.gz` makes.
inline Bytes gzip_members(const Bytes& in, const std::vector<std::size_t>& cuts) {
  Bytes out;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    const std::size_t to = i < cuts.size() ? cuts[i] : in.size();
    out = concat(std::move(out), gzip(Bytes(in.begin() + from, in.begin() + to)));
    from = to;
  }
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
  if (!bytes.empty()) std::fwrite(bytes.data(), 1, bytes.size(), f);  // an empty vector's data() may be null
  std::fclose(f);
}

}  // namespace wn::test
