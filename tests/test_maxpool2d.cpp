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

TEST_CASE("MaxPool2D matches plain loops for any channel count, ties included") {
  // Values from {0, 1, 2}: ties in most windows, as after a ReLU. Channel counts below, at and
  // past the vector width, and ones whose last vector overlaps the one before.
  Rng rng(9);
  for (int C : {1, 3, 6, 8, 10, 16}) {
    for (int pool : {2, 3}) {
      CAPTURE(C);
      CAPTURE(pool);
      const Shape in{7, 6, C};
      MaxPool2D layer(in, pool, 2);
      const Shape out = layer.output_shape();
      const int n = 2;
      std::vector<float> x(in.size() * n), y(out.size() * n), scratch(layer.scratch_floats(n));
      for (float& v : x) v = float(rng.below(3));
      layer.forward(nullptr, x.data(), y.data(), n, scratch.data());
      std::vector<float> dy(y.size()), dx(x.size()), want_y(y.size()), want_dx(x.size(), 0.0f);
      for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = float(i + 1);
      layer.backward(nullptr, x.data(), y.data(), dy.data(), dx.data(), nullptr, n, scratch.data());
      for (int i = 0; i < n; ++i)
        for (int oy = 0; oy < out.h; ++oy)
          for (int ox = 0; ox < out.w; ++ox)
            for (int c = 0; c < C; ++c) {
              std::size_t first = 0;  // the first maximum in row-major window order
              for (int py = 0; py < pool; ++py)
                for (int px = 0; px < pool; ++px) {
                  const std::size_t at = ((std::size_t(i) * in.h + oy * 2 + py) * in.w + ox * 2 + px) * C + c;
                  if ((py == 0 && px == 0) || x[at] > x[first]) first = at;
                }
              const std::size_t o = ((std::size_t(i) * out.h + oy) * out.w + ox) * C + c;
              want_y[o] = x[first];
              want_dx[first] += dy[o];
            }
      CHECK(y == want_y);
      CHECK(dx == want_dx);
    }
  }
}
