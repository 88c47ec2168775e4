#pragma once
// The project's own random numbers. Standard-library distributions differ between
// libstdc++, libc++ and Emscripten, so weights and shuffles are drawn here from
// PCG32 (O'Neill 2014) with integer-only arithmetic: one seed gives the same
// numbers natively and in WebAssembly.
#include <cstdint>
#include <vector>

namespace wn {

class Rng {
 public:
  explicit Rng(std::uint64_t seed, std::uint64_t stream = 54) : inc_((stream << 1u) | 1u) {
    next_u32();
    state_ += seed;
    next_u32();
  }

  std::uint32_t next_u32() {
    std::uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + inc_;
    auto xorshifted = std::uint32_t(((old >> 18u) ^ old) >> 27u);
    auto rot = std::uint32_t(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
  }

  // Uniform in [0, 1) with 24 random bits: exactly representable as float.
  float uniform() { return float(next_u32() >> 8) * (1.0f / 16777216.0f); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

  // Unbiased integer in [0, n) by rejection (no modulo bias).
  std::uint32_t below(std::uint32_t n) {
    std::uint32_t threshold = (0u - n) % n;
    for (;;) {
      std::uint32_t r = next_u32();
      if (r >= threshold) return r % n;
    }
  }

  // Fisher–Yates.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      std::size_t j = below(std::uint32_t(i));
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  std::uint64_t state_ = 0;
  std::uint64_t inc_;
};

}  // namespace wn
