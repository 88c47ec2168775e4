#include <doctest/doctest.h>

#include <cmath>

#include "gradcheck.hpp"
#include "loss.hpp"

using namespace wn;

TEST_CASE("softmax cross-entropy by hand") {
  // Equal logits: p = 1/3 each, loss = ln 3, gradient (p − onehot)/n.
  const float z[3] = {2, 2, 2};
  const std::uint8_t label = 1;
  float dz[3];
  const LossSums s = softmax_cross_entropy(z, &label, 1, 3, 0.5f, dz);
  CHECK(s.loss == doctest::Approx(std::log(3.0)));
  CHECK(s.correct == 0);  // ties go to the first index, as argmax does
  CHECK(dz[0] == doctest::Approx(0.5 / 3));
  CHECK(dz[1] == doctest::Approx(0.5 * (1.0 / 3 - 1)));

  // Large logits stay finite (max subtraction): loss of the winning class ≈ 0.
  const float big[2] = {1000, -1000};
  const std::uint8_t zero = 0;
  const LossSums b = softmax_cross_entropy(big, &zero, 1, 2, 1, nullptr);
  CHECK(b.loss == doctest::Approx(0.0));
  CHECK(b.correct == 1);
}

TEST_CASE("softmax cross-entropy gradient by finite differences") {
  Rng rng(21);
  const int n = 4, C = 10;
  auto z = test::random_vector(n * C, rng, -3, 3);
  const std::uint8_t labels[n] = {0, 9, 3, 3};
  std::vector<float> dz(n * C);
  softmax_cross_entropy(z.data(), labels, n, C, 1.0f / n, dz.data());
  std::vector<float> numeric(n * C);
  const float eps = 1e-2f;
  for (int i = 0; i < n * C; ++i) {
    const float keep = z[i];
    z[i] = keep + eps;
    const double up = softmax_cross_entropy(z.data(), labels, n, C, 0, nullptr).loss / n;
    z[i] = keep - eps;
    const double down = softmax_cross_entropy(z.data(), labels, n, C, 0, nullptr).loss / n;
    z[i] = keep;
    numeric[i] = float((up - down) / (2 * eps));
  }
  CHECK(test::rel_error(dz, numeric) < 1e-3);
}
