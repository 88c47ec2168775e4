// libFuzzer target: an archive (gzip sniffed, then tar, then CIFAR records) pushed in chunks whose
// sizes the input picks: the native .tar.gz path, with several members, padding and junk.
#include <cstddef>
#include <cstdint>

#include "data/cifar.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = 1 + data[0] * 13;
  ++data, --size;
  wn::CifarLoader loader({64, 64});
  wn::CifarArchive archive(loader);
  wn::Status s;
  bool was_done = false;
  for (std::size_t i = 0; s && i < size; i += chunk) {
    was_done = archive.done();
    s = archive.push(data + i, std::min(chunk, size - i));
    if (was_done && !s) __builtin_trap();  // once done, input is ignored
  }
  if (!s) {
    if (s.message().empty()) __builtin_trap();  // every rejection says why
    return 0;
  }
  s = archive.end();
  if (!s && s.message().empty()) __builtin_trap();
  if (!s) return 0;
  auto r = loader.finish("fuzz");
  if (r && (r->train.size() > 64 || r->test.size() > 64 || r->train.size() == 0 || r->test.size() == 0))
    __builtin_trap();  // limits hold, and an empty dataset is an error
  if (!r && r.message().empty()) __builtin_trap();
  return 0;
}
