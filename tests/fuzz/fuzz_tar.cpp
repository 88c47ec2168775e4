// libFuzzer target: the streaming tar reader, fed in chunks whose sizes the input chooses.
#include <cstddef>
#include <cstdint>

#include "data/tar.hpp"

namespace {
struct Checking : wn::TarSink {
  std::uint64_t declared = 0, got = 0;
  bool open = false;
  wn::Status begin(const std::string&, std::uint64_t size) override {
    if (open) __builtin_trap();  // begin without end
    open = true, declared = size, got = 0;
    return {};
  }
  wn::Status data(const std::uint8_t*, std::size_t len) override {
    got += len;
    if (!open || got > declared) __builtin_trap();  // more bytes than the header promised
    return {};
  }
  wn::Status end() override {
    if (!open || got != declared) __builtin_trap();
    open = false;
    return {};
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = 1 + data[0] * 7;
  Checking sink;
  wn::TarReader reader(sink);
  for (std::size_t i = 1; i < size; i += chunk)
    if (!reader.push(data + i, std::min(chunk, size - i))) return 0;
  reader.finish();
  return 0;
}
