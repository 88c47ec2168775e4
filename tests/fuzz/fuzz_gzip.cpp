// libFuzzer target: gunzip → tar → CIFAR records, the native path for a .tar.gz.
#include <cstddef>
#include <cstdint>

#include "data/cifar.hpp"
#include "data/gzip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wn::CifarLoader loader({64, 64});
  wn::TarReader tar(loader);
  auto gunzip = wn::Gunzip::create([&](const std::uint8_t* b, std::size_t n) { return tar.push(b, n); });
  if (!gunzip) __builtin_trap();
  wn::Status s = gunzip.value()->push(data, size);
  if (s) s = gunzip.value()->finish();
  if (s) s = tar.finish();
  if (s) (void)loader.finish("fuzz");
  return 0;
}
