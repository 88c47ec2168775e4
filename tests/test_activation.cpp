#include <doctest/doctest.h>

#include "gradcheck.hpp"
#include "layers/activation.hpp"
#include "layers/flatten.hpp"

using namespace wn;

TEST_CASE("ReLU forward, and its gradient away from the kink") {
  ActivationLayer relu({1, 2, 3}, Activation::relu);
  std::vector<float> x = {-2, -0.5f, 0.5f, 1, 3, -1}, y(6);
  relu.forward(nullptr, x.data(), y.data(), 1, nullptr);
  CHECK(y == std::vector<float>{0, 0, 0.5f, 1, 3, 0});
  const auto err = test::check_gradients(relu, {}, x, 1, 7, 1e-2f);
  CHECK(err.dx < 1e-3);
}

TEST_CASE("linear activation and Flatten pass values and gradients through") {
  ActivationLayer linear({1, 1, 4}, Activation::linear);
  Flatten flat({2, 1, 2});
  CHECK(flat.output_shape() == Shape{1, 1, 4});
  Rng rng(1);
  const auto x = test::random_vector(8, rng);
  CHECK(test::check_gradients(linear, {}, x, 2).dx < 1e-3);
  CHECK(test::check_gradients(flat, {}, x, 2).dx < 1e-3);
}
