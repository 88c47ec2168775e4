#include <doctest/doctest.h>

#include "gradcheck.hpp"
#include "layers/dense.hpp"

using namespace wn;

TEST_CASE("Dense output worked out by hand") {
  // x = [1, 2, 3]; kernel [in][out] = [[1, 0], [0, 1], [1, -1]]; bias = [0.5, -1]
  // y0 = 1 + 3 + 0.5 = 4.5;  y1 = 2 − 3 − 1 = −2 → ReLU 0
  Dense d({1, 1, 3}, 2, Activation::relu);
  std::vector<float> p = {1, 0, 0, 1, 1, -1, 0.5f, -1};
  std::vector<float> x = {1, 2, 3}, y(2), scratch(d.scratch_floats(1));
  d.forward(p.data(), x.data(), y.data(), 1, scratch.data());
  CHECK(y[0] == 4.5f);
  CHECK(y[1] == 0.0f);
}

TEST_CASE("Dense on a 3-D input is Dense after Flatten (kernel over h·w·c)") {
  Dense d({2, 2, 3}, 5, Activation::linear);
  CHECK(d.fan_in() == 12);
  CHECK(d.output_shape() == Shape{1, 1, 5});
  // Glorot for Dense counts fan_out = units.
  std::vector<float> p(d.param_count());
  Rng rng(2);
  d.init_params(p.data(), rng);
  float hi = 0;
  for (std::size_t i = 0; i < d.kernel_size(); ++i) hi = std::max(hi, std::abs(p[i]));
  CHECK(hi <= std::sqrt(6.0f / 17));
  CHECK(hi > 0.8f * std::sqrt(6.0f / 17));
}

TEST_CASE("Dense finite-difference gradients (dx, kernel, bias)") {
  Rng rng(3);
  for (int n : {1, 5, 40}) {  // 40 samples: several micro-tiles of rows (one pixel each) and a partial one
    CAPTURE(n);
    Dense d({1, 1, 7}, 9, Activation::linear);
    std::vector<float> p(d.param_count());
    d.init_params(p.data(), rng);
    for (int j = 0; j < 9; ++j) p[d.kernel_size() + j] = 0.05f * j;
    const auto x = test::random_vector(7 * n, rng);
    const auto err = test::check_gradients(d, p, x, n);
    CHECK(err.dx < 1e-3);
    CHECK(err.dparams < 1e-3);
  }
}
