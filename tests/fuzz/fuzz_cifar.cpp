// libFuzzer target: the CIFAR record parser on one file (name, split points and whether its size
// is known from the input), then an in-memory archive of the same bytes.
#include <cstddef>
#include <cstdint>

#include "data/cifar.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static const char* names[] = {"data_batch_1.bin", "data_batch_3.bin", "test_batch.bin", "other.bin"};
  const char* name = names[data[0] % 4];
  const bool unknown_size = data[0] & 4;  // the page streams responses without a length
  const std::size_t chunk = 1 + data[1] * 31;
  data += 2, size -= 2;
  wn::CifarLoader loader({5, 3});
  if (loader.wanted(name) > (name[0] == 't' ? 3 : 5)) __builtin_trap();
  if (loader.begin(name, unknown_size ? wn::kUnknownSize : size)) {
    bool ok = true;
    for (std::size_t i = 0; i < size && ok; i += chunk) ok = bool(loader.data(data + i, std::min(chunk, size - i)));
    if (ok && loader.end()) {
      auto r = loader.finish("fuzz");
      if (r && (r->train.size() > 5 || r->test.size() > 3)) __builtin_trap();  // limits hold
      if (r && r->train.images.size() != std::size_t(r->train.size()) * 3072) __builtin_trap();
    }
  }
  (void)wn::load_cifar_archive(data, size, {5, 3});
  return 0;
}
