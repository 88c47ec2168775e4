#pragma once
// Streaming gunzip on zlib, native builds only. The page uses the browser's
// DecompressionStream instead, and WebAssembly builds carry no zlib (Emscripten's
// zlib port downloads at build time).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "../status.hpp"

namespace wn {

class Gunzip {
 public:
  using Sink = std::function<Status(const std::uint8_t*, std::size_t)>;
  static Result<std::unique_ptr<Gunzip>> create(Sink sink);
  ~Gunzip();
  Status push(const std::uint8_t* bytes, std::size_t len);
  // The compressed input has ended: an error unless the gzip stream was complete.
  Status finish();

 private:
  struct State;
  explicit Gunzip(Sink sink);
  std::unique_ptr<State> state_;
  Sink sink_;
};

}  // namespace wn
