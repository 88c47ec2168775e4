#pragma once
// A streaming reader for POSIX ustar/GNU tar archives. Bytes arrive in chunks of
// any size (from zlib natively, from DecompressionStream in the page) and regular
// files are handed to a sink as they stream past, so an archive is never held whole.
// A name too long for the header comes in a GNU long-name ('L') or pax ('x', path=)
// member before its file, as tar(1) writes them and data/prepare.mjs reads them.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "../status.hpp"

namespace wn {

class TarSink {
 public:
  virtual ~TarSink() = default;
  virtual Status begin(const std::string& name, std::uint64_t size) = 0;
  virtual Status data(const std::uint8_t* bytes, std::size_t len) = 0;
  virtual Status end() = 0;
};

class TarReader {
 public:
  explicit TarReader(TarSink& sink) : sink_(sink) {}
  Status push(const std::uint8_t* bytes, std::size_t len);
  // The input has ended: an error if it stopped inside a header or a member.
  Status finish();
  std::uint64_t offset() const { return offset_; }
  // Saw the end-of-archive block: whatever follows is never looked at.
  bool ended() const { return ended_; }

 private:
  Status parse_header();
  Status end_member();

  // What the current member's bytes are: skipped, a regular file for the sink, or a
  // long-name / pax record naming the next member.
  enum class Body { skip, file, long_name, pax };
  // Long-name and pax records are a few hundred bytes; a bigger one is not a name.
  static constexpr std::uint64_t kMaxRecordBytes = 1 << 16;

  TarSink& sink_;
  std::uint8_t header_[512];
  std::size_t header_fill_ = 0;
  std::uint64_t body_left_ = 0;     // bytes of the current member still to come
  std::uint64_t padding_left_ = 0;  // zero padding up to the next 512-byte block
  std::uint64_t offset_ = 0;
  Body body_ = Body::skip;
  std::string record_;                   // a long-name or pax member's bytes
  std::optional<std::string> next_name_; // what such a record named the next member
  bool ended_ = false;  // saw the end-of-archive block
  Status failed_;
};

}  // namespace wn
