#include <doctest/doctest.h>

#include "gradcheck.hpp"
#include "layers/maxpool2d.hpp"

using namespace wn;

TEST_CASE("MaxPool2D 2x2/2 picks window maxima per channel") {
  MaxPool2D pool({4, 4, 1}, 2, 2);
  CHECK(pool.output_shape() == Shape{2, 2, 1});
  std::vector<float> x = {1, 2, 5, 6,  //
                          3, 4, 8, 7,  //
                          0, 0, 1, 1,  //
                          9, 0, 1, 2};
  std::vector<float> y(4), scratch(pool.scratch_floats(1));
  pool.forward(nullptr, x.data(), y.data(), 1, scratch.data());
  CHECK(y == std::vector<float>{4, 8, 9, 2});
  // Odd sizes drop the last row/column, as 'valid' pooling does.
  CHECK(MaxPool2D({5, 5, 3}, 2, 2).output_shape() == Shape{2, 2, 3});
}

TEST_CASE("MaxPool2D routes the gradient to the first maximum only") {
  MaxPool2D pool({2, 2, 1}, 2, 2);
  std::vector<float> x = {3, 3, 1, 2}, y(1), dx(4), scratch(pool.scratch_floats(1));
  pool.forward(nullptr, x.data(), y.data(), 1, scratch.data());
  const float dy = 5;
  pool.backward(nullptr, x.data(), y.data(), &dy, dx.data(), nullptr, 1, scratch.data());
  CHECK(dx == std::vector<float>{5, 0, 0, 0});
  x = {2, 2, 2, 2};  // all four tied: still only the first
  pool.forward(nullptr, x.data(), y.data(), 1, scratch.data());
  pool.backward(nullptr, x.data(), y.data(), &dy, dx.data(), nullptr, 1, scratch.data());
  CHECK(dx == std::vector<float>{5, 0, 0, 0});
}

TEST_CASE("MaxPool2D finite-difference gradient (distinct inputs)") {
  MaxPool2D pool({6, 6, 3}, 2, 2);
  // A shuffled ramp: every value distinct and 0.1 apart, so ±eps never changes a winner.
  std::vector<float> x(6 * 6 * 3 * 2);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.1f * float(i);
  Rng rng(4);
  rng.shuffle(x);
  const auto err = test::check_gradients(pool, {}, x, 2, 7, 1e-2f);
  CHECK(err.dx < 1e-3);
}
