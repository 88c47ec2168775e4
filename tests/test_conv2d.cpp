#include <doctest/doctest.h>

#include "gradcheck.hpp"
#include "reference.hpp"
#include "layers/conv2d.hpp"

using namespace wn;

namespace {
reference::ConvGeometry geometry(const Conv2D& c) {
  return {c.input_shape(), c.output_shape(), c.config().kernel_h, c.config().kernel_w, c.config().stride,
          c.pad_top(), c.pad_left()};
}
}  // namespace

TEST_CASE("Conv2D output worked out by hand") {
  // One 3×3 single-channel image, two 2×2 filters, valid padding:
  //   x = 1 2 3     filter 0 = [1 0; 0 1] (diagonal sum), bias 0.5
  //       4 5 6     filter 1 = [0 1; -1 0],             bias 0
  //       7 8 9
  // filter 0 at (0,0): 1+5+0.5 = 6.5; (0,1): 2+6+0.5 = 8.5; (1,0): 4+8+.5 = 12.5; (1,1): 5+9+.5 = 14.5
  // filter 1 at (0,0): 2−4 = −2, everywhere −2 (x[y][x+1] − x[y+1][x] = −2): ReLU → 0
  Conv2D conv({3, 3, 1}, {2, 2, 2, 1, Padding::valid, Activation::relu});
  // Kernel layout [kh][kw][cin][cout]: element (ky, kx, 0, f) at (ky*2 + kx)*2 + f.
  std::vector<float> p = {1, 0, /*ky0 kx1*/ 0, 1, /*ky1 kx0*/ 0, -1, /*ky1 kx1*/ 1, 0, /*bias*/ 0.5f, 0};
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9}, y(8);
  std::vector<float> scratch(conv.scratch_floats(1));
  conv.forward(p.data(), x.data(), y.data(), 1, scratch.data());
  CHECK(y == std::vector<float>{6.5f, 0, 8.5f, 0, 12.5f, 0, 14.5f, 0});
}

TEST_CASE("Conv2D equals the reference loops: forward, dx, dkernel, dbias") {
  Rng rng(5);
  const Conv2DConfig configs[] = {{6, 5, 5, 1, Padding::valid, Activation::relu},
                                  {4, 3, 3, 2, Padding::same, Activation::linear},
                                  {3, 3, 2, 1, Padding::same, Activation::relu}};
  const Shape inputs[] = {{12, 11, 3}, {7, 8, 2}, {5, 5, 4}};
  for (int t = 0; t < 3; ++t) {
    CAPTURE(t);
    Conv2D conv(inputs[t], configs[t]);
    const int n = 3;
    std::vector<float> p(conv.param_count());
    conv.init_params(p.data(), rng);
    for (int f = 0; f < conv.filters(); ++f) p[conv.kernel_size() + f] = rng.uniform(-0.2f, 0.2f);
    const auto x = test::random_vector(conv.input_shape().size() * n, rng);
    std::vector<float> y(conv.output_shape().size() * n), want(y.size());
    std::vector<float> scratch(conv.scratch_floats(n));
    conv.forward(p.data(), x.data(), y.data(), n, scratch.data());
    const bool relu = configs[t].activation == Activation::relu;
    reference::conv2d_forward(geometry(conv), x.data(), p.data(), p.data() + conv.kernel_size(), relu, want.data(), n);
    CHECK(test::rel_error(y, want) < 1e-5);

    const auto dy = test::random_vector(y.size(), rng);
    std::vector<float> dx(x.size()), dp(p.size(), 0.0f);
    conv.backward(p.data(), x.data(), y.data(), dy.data(), dx.data(), dp.data(), n, scratch.data());
    std::vector<float> dy_masked(dy);
    for (std::size_t i = 0; i < dy.size(); ++i)
      if (relu && y[i] <= 0) dy_masked[i] = 0;
    std::vector<float> rdx(x.size()), rdp(p.size());
    reference::conv2d_backward(geometry(conv), x.data(), p.data(), dy_masked.data(), rdx.data(), rdp.data(),
                               rdp.data() + conv.kernel_size(), n);
    CHECK(test::rel_error(dx, rdx) < 1e-5);
    CHECK(test::rel_error(dp, rdp) < 1e-5);
  }
}

TEST_CASE("Conv2D finite-difference gradients (dx, kernel, bias)") {
  Rng rng(8);
  Conv2D conv({6, 6, 2}, {3, 3, 3, 1, Padding::valid, Activation::linear});
  std::vector<float> p(conv.param_count());
  conv.init_params(p.data(), rng);
  for (int f = 0; f < 3; ++f) p[conv.kernel_size() + f] = 0.1f * f;
  const auto x = test::random_vector(conv.input_shape().size() * 2, rng);
  const auto err = test::check_gradients(conv, p, x, 2);
  CHECK(err.dx < 1e-3);
  CHECK(err.dparams < 1e-3);
}

TEST_CASE("Conv2D Glorot init stays inside sqrt(6/(fan_in+fan_out)) with zero bias") {
  Conv2D conv({32, 32, 3}, {6, 5, 5, 1, Padding::valid, Activation::relu});
  std::vector<float> p(conv.param_count());
  Rng rng(0);
  conv.init_params(p.data(), rng);
  const float limit = std::sqrt(6.0f / (75 + 150));
  float hi = 0;
  for (std::size_t i = 0; i < conv.kernel_size(); ++i) hi = std::max(hi, std::abs(p[i]));
  CHECK(hi <= limit);
  CHECK(hi > 0.9f * limit);
  for (int f = 0; f < 6; ++f) CHECK(p[conv.kernel_size() + f] == 0);
  CHECK(conv.output_shape() == Shape{28, 28, 6});
}
