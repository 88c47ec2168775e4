#pragma once
// Streaming gunzip on zlib, native builds only. The page uses the browser's
// DecompressionStream instead, and WebAssembly builds carry no zlib (Emscripten's
// zlib port downloads at build time).
//
// What may follow a gzip member is decided as GNU gzip and tar do, and the page
// (web/data.worker.js) does the same: another member (files joined with `cat`) is
// decompressed in turn, up to kMaxGzipMembers; zero bytes to the end (tape padding) are
// ignored; anything else is an error, gzip_junk_message(), at the first such byte.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "../status.hpp"

namespace wn {

// The page finds where a member ends by feeding the rest of its last chunk again byte by
// byte (DecompressionStream drops the output of a chunk that runs past the end), which
// costs about a third of a second per member; this bound keeps a crafted file of many tiny
// members from taking minutes. Real multi-member files are a few files joined with `cat`.
constexpr int kMaxGzipMembers = 16;

// The one message, natively and in the page, for bytes after the last member.
inline std::string gzip_junk_message(std::uint64_t at) {
  return "unexpected bytes after the end of the gzip data (at byte " + std::to_string(at) + ")";
}

class Gunzip {
 public:
  using Sink = std::function<Status(const std::uint8_t*, std::size_t)>;
  static Result<std::unique_ptr<Gunzip>> create(Sink sink);
  ~Gunzip();
  // Decompresses `bytes` into the sink. An error from the sink stops it and is returned.
  Status push(const std::uint8_t* bytes, std::size_t len);
  // The compressed input has ended: an error unless the last member was complete.
  Status finish();

 private:
  struct State;
  explicit Gunzip(Sink sink);
  Status inflate_member(const std::uint8_t*& bytes, std::size_t& len);
  std::unique_ptr<State> state_;
  Sink sink_;
};

}  // namespace wn
