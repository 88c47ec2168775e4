#pragma once
// gunzip: what may follow a gzip member (GzipFraming, everywhere) and streaming
// decompression on zlib (Gunzip, native builds only). The page inflates with the browser's
// DecompressionStream instead and hands the bytes after each member to a GzipFraming in the
// module (src/wasm/bindings.cpp), so both judge them alike. WebAssembly builds carry no zlib
// (Emscripten's zlib port downloads at build time).
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

// What follows a gzip member, judged as GNU gzip and tar do: another member right after it
// (files joined with `cat`), up to kMaxGzipMembers; zero bytes to the end (tape padding);
// anything else is an error at its first byte.
class GzipFraming {
 public:
  // The current member's data ended; `at` is the compressed offset just past it.
  void member_end(std::uint64_t at);
  bool in_member() const { return phase_ == Phase::member; }
  // Judges `len` bytes after the end and returns how many it took: all of them, unless a new
  // member starts. Then in_member() is true again, the member began at member_start() with a
  // 0x1f already taken (perhaps in an earlier call), and bytes[taken] is its second byte, 0x8b.
  Result<std::size_t> after(const std::uint8_t* bytes, std::size_t len);
  std::uint64_t member_start() const { return magic_at_; }
  // The input has ended: an error inside a member (truncated) or after a lone 0x1f.
  Status finish() const;

 private:
  enum class Phase { member, after, zeros, magic };
  Phase phase_ = Phase::member;
  int members_ = 1;
  std::uint64_t at_ = 0;  // the offset of the next byte after() looks at
  std::uint64_t magic_at_ = 0;
};

class Gunzip {
 public:
  using Sink = std::function<Status(const std::uint8_t*, std::size_t)>;
  static Result<std::unique_ptr<Gunzip>> create(Sink sink);
  ~Gunzip();
  // Decompresses `bytes` into the sink. An error from the sink stops it and is returned.
  Status push(const std::uint8_t* bytes, std::size_t len);
  // The compressed input has ended: an error unless the last member was complete.
  Status finish() const { return framing_.finish(); }

 private:
  struct State;
  explicit Gunzip(Sink sink);
  Status inflate_member(const std::uint8_t*& bytes, std::size_t& len);
  std::unique_ptr<State> state_;
  Sink sink_;
  GzipFraming framing_;
  std::uint64_t offset_ = 0;  // compressed bytes consumed
};

}  // namespace wn
