#pragma once
// Small archives made in memory for the parser tests: ustar tarballs, gzip, zips, and
// CIFAR-10 records whose pixels encode (image, channel, position).
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
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
// window_bits -MAX_WBITS gives a raw deflate stream instead, as a zip member holds.
inline Bytes gzip(const Bytes& in, std::uint64_t zeros = 0, int window_bits = 16 + MAX_WBITS, int level = 9) {
  z_stream zs{};
  deflateInit2(&zs, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
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

// A zip member: `data` then `zeros` zero bytes, deflated.
struct ZipMember {
  std::string name;
  Bytes data;
  std::uint64_t zeros = 0;
};

// A zip of deflated members, each with its true size and CRC-32 (a zip bomb of zeros needs no
// memory to make: see gzip). No zip64: each member below 4 GiB.
inline Bytes make_zip(const std::vector<ZipMember>& members) {
  Bytes out, central;
  const auto u16 = [](Bytes& b, unsigned v) { b.push_back(std::uint8_t(v)), b.push_back(std::uint8_t(v >> 8)); };
  const auto u32 = [&](Bytes& b, std::uint32_t v) { u16(b, v & 0xffff), u16(b, v >> 16); };
  const Bytes zero_block(1 << 20, 0);
  for (const ZipMember& m : members) {
    const Bytes deflated = gzip(m.data, m.zeros, -MAX_WBITS, 1);  // level 1: 1 GB of zeros in about a second
    uLong crc = crc32(0, m.data.data(), uInt(m.data.size()));
    for (std::uint64_t left = m.zeros; left > 0; left -= std::min<std::uint64_t>(left, zero_block.size()))
      crc = crc32(crc, zero_block.data(), uInt(std::min<std::uint64_t>(left, zero_block.size())));
    const std::uint64_t size = m.data.size() + m.zeros;
    const std::uint32_t offset = std::uint32_t(out.size());
    // The fields the local and the central header share, from "version needed" to the name's length.
    const auto shared = [&](Bytes& b) {
      u16(b, 20), u16(b, 0), u16(b, 8), u16(b, 0), u16(b, 0x21);  // version, flags, deflate, time, date
      u32(b, std::uint32_t(crc)), u32(b, std::uint32_t(deflated.size())), u32(b, std::uint32_t(size));
      u16(b, unsigned(m.name.size())), u16(b, 0);  // name length, no extra field
    };
    u32(out, 0x04034b50);
    shared(out);
    out.insert(out.end(), m.name.begin(), m.name.end());
    out.insert(out.end(), deflated.begin(), deflated.end());
    u32(central, 0x02014b50);
    u16(central, 20);  // made by
    shared(central);
    u16(central, 0), u16(central, 0), u16(central, 0), u32(central, 0), u32(central, offset);  // comment, disk, attributes, where
    central.insert(central.end(), m.name.begin(), m.name.end());
  }
  const std::uint32_t directory_at = std::uint32_t(out.size());
  out.insert(out.end(), central.begin(), central.end());
  u32(out, 0x06054b50), u16(out, 0), u16(out, 0), u16(out, unsigned(members.size())), u16(out, unsigned(members.size()));
  u32(out, std::uint32_t(central.size())), u32(out, directory_at), u16(out, 0);
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
