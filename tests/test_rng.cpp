#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

#include "rng.hpp"

using wn::Rng;

TEST_CASE("PCG32 matches the reference generator's published sequence") {
  // pcg32-demo from pcg-random.org: pcg32_srandom_r(&rng, 42u, 54u), first outputs.
  Rng rng(42, 54);
  CHECK(rng.next_u32() == 0xa15c02b7u);
  CHECK(rng.next_u32() == 0x7b47f409u);
  CHECK(rng.next_u32() == 0xba1d3330u);
  CHECK(rng.next_u32() == 0x83d2f293u);
  CHECK(rng.next_u32() == 0xbfa4784bu);
  CHECK(rng.next_u32() == 0xcbed606eu);
}

TEST_CASE("uniform stays in range and covers it") {
  Rng rng(1);
  float lo = 1, hi = 0;
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    const float u = rng.uniform(-0.5f, 0.5f);
    REQUIRE(u >= -0.5f);
    REQUIRE(u < 0.5f);
    lo = std::min(lo, u), hi = std::max(hi, u), sum += u;
  }
  CHECK(lo < -0.49f);
  CHECK(hi > 0.49f);
  CHECK(std::abs(sum / 100000) < 0.01);
}

TEST_CASE("shuffle is a permutation, seeded and unbiased in position") {
  std::vector<int> v(10);
  std::iota(v.begin(), v.end(), 0);
  Rng a(3), b(3), c(4);
  auto va = v, vb = v, vc = v;
  a.shuffle(va), b.shuffle(vb), c.shuffle(vc);
  CHECK(va == vb);
  CHECK(va != vc);
  auto sorted = va;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == v);

  // Each value lands in slot 0 about 1/10 of the time.
  std::vector<int> first(10, 0);
  Rng r(9);
  for (int t = 0; t < 20000; ++t) {
    auto w = v;
    r.shuffle(w);
    ++first[w[0]];
  }
  for (int k : first) CHECK(std::abs(k - 2000) < 250);
}
