#include <doctest/doctest.h>

#include <cmath>
#include <memory>

#include "gradcheck.hpp"
#include "layers/dense.hpp"
#include "layers/weight_norm.hpp"

using namespace wn;

namespace {
std::unique_ptr<Dense> dense_2_1() { return std::make_unique<Dense>(Shape{1, 1, 2}, 1, Activation::linear); }

// The fixture for the init modes: v = (3, 4), so ‖v‖ = 5, and four samples
//   x = (1,1) (2,0) (0,0) (1,−1)  →  z = v·x = 7, 6, 0, −1
// mean 3, population variance ((4² + 3² + 3² + 4²)/4) = 12.5.
const std::vector<float> kX = {1, 1, 2, 0, 0, 0, 1, -1};

std::vector<float> init_with(WnInit mode, WeightNorm& layer) {
  std::vector<float> p = {3, 4, /*bias*/ 0, /*g*/ 1};
  if (mode == WnInit::none) {
    Rng rng(0);
    layer.init_params(p.data(), rng);  // draws v, then g = ‖v‖
    return p;
  }
  std::vector<float> scratch(layer.scratch_floats(4));
  layer.data_init(p.data(), kX.data(), 4, scratch.data());
  return p;
}

std::vector<float> outputs(WeightNorm& layer, std::vector<float>& p) {
  std::vector<float> y(4), scratch(layer.scratch_floats(4));
  layer.prepare(p.data());
  layer.forward(p.data(), kX.data(), y.data(), 4, scratch.data());
  return y;
}

void moments(const std::vector<float>& y, double& mean, double& sd) {
  mean = 0;
  for (float v : y) mean += v;
  mean /= y.size();
  double var = 0;
  for (float v : y) var += (v - mean) * (v - mean);
  sd = std::sqrt(var / y.size());
}
}  // namespace

TEST_CASE("tfa init: statistics of the unnormalised kernel (TFA's actual behaviour)") {
  WeightNorm layer(dense_2_1(), WnInit::tfa);
  auto p = init_with(WnInit::tfa, layer);
  // g = 1/√12.5 = 0.2828427, bias = −3/√12.5 = −0.8485281
  CHECK(p[3] == doctest::Approx(0.2828427).epsilon(1e-6));
  CHECK(p[2] == doctest::Approx(-0.8485281).epsilon(1e-6));
  // The outputs are therefore NOT standardised when ‖v‖ ≠ 1: std = 1/‖v‖ = 0.2.
  double mean, sd;
  auto y = outputs(layer, p);
  moments(y, mean, sd);
  CHECK(sd == doctest::Approx(0.2).epsilon(1e-5));
  CHECK(mean == doctest::Approx(-0.8485281 + 0.2828427 * 3 / 5).epsilon(1e-5));
}

TEST_CASE("paper init: statistics of v/‖v‖, so units start at mean 0, std 1 (§3)") {
  WeightNorm layer(dense_2_1(), WnInit::paper);
  auto p = init_with(WnInit::paper, layer);
  // z/5 has mean 0.6 and variance 0.5: g = 1/√0.5 = 1.4142136, bias = −0.6/√0.5 = −0.8485281
  CHECK(p[3] == doctest::Approx(1.4142136).epsilon(1e-6));
  CHECK(p[2] == doctest::Approx(-0.8485281).epsilon(1e-6));
  double mean, sd;
  auto y = outputs(layer, p);
  moments(y, mean, sd);
  CHECK(std::abs(mean) < 1e-6);
  CHECK(sd == doctest::Approx(1.0).epsilon(1e-5));
}

TEST_CASE("none init: g = ‖v‖, so the wrapped layer computes exactly the plain one") {
  Rng r1(3), r2(3);
  Conv2D plain({5, 5, 2}, {3, 3, 3, 1, Padding::valid, Activation::relu});
  WeightNorm wrapped(std::make_unique<Conv2D>(Shape{5, 5, 2}, Conv2DConfig{3, 3, 3, 1, Padding::valid, Activation::relu}),
                     WnInit::none);
  std::vector<float> pp(plain.param_count()), pw(wrapped.param_count());
  plain.init_params(pp.data(), r1);
  wrapped.init_params(pw.data(), r2);
  CHECK(!wrapped.wants_data_init());
  for (std::size_t i = 0; i < plain.param_count(); ++i) CHECK(pw[i] == pp[i]);  // v = plain kernel
  wrapped.prepare(pw.data());
  for (std::size_t i = 0; i < plain.kernel_size(); ++i) CHECK(wrapped.kernel()[i] == doctest::Approx(pp[i]).epsilon(1e-6));
}

TEST_CASE("weight-norm finite-difference gradients for v, g, bias and dx (eq. 3)") {
  Rng rng(12);
  SUBCASE("around Dense") {
    WeightNorm layer(std::make_unique<Dense>(Shape{1, 1, 6}, 4, Activation::linear), WnInit::tfa);
    std::vector<float> p(layer.param_count());
    layer.init_params(p.data(), rng);
    for (int j = 0; j < 4; ++j) p[24 + 4 + j] = 0.5f + 0.3f * j;  // g ≠ 1
    for (int j = 0; j < 4; ++j) p[24 + j] = 0.1f * j;            // bias ≠ 0
    const auto x = test::random_vector(6 * 3, rng);
    const auto err = test::check_gradients(layer, p, x, 3, 7, 1e-3f);
    CHECK(err.dx < 1e-3);
    CHECK(err.dparams < 2e-3);
  }
  SUBCASE("around Conv2D") {
    WeightNorm layer(std::make_unique<Conv2D>(Shape{5, 5, 2}, Conv2DConfig{3, 3, 3, 1, Padding::same, Activation::linear}),
                     WnInit::tfa);
    std::vector<float> p(layer.param_count());
    layer.init_params(p.data(), rng);
    const std::size_t K = 3 * 3 * 2 * 3;
    for (int j = 0; j < 3; ++j) p[K + j] = 0.2f * j, p[K + 3 + j] = 1.5f - 0.4f * j;
    const auto x = test::random_vector(5 * 5 * 2 * 2, rng);
    const auto err = test::check_gradients(layer, p, x, 2, 7, 1e-3f);
    CHECK(err.dx < 1e-3);
    CHECK(err.dparams < 2e-3);
  }
}

TEST_CASE("weight norm stays finite for a vanishing v and a constant batch") {
  WeightNorm layer(dense_2_1(), WnInit::tfa);
  std::vector<float> p = {0, 0, 0, 1};
  std::vector<float> zeros(8, 0.0f), scratch(layer.scratch_floats(4));
  layer.data_init(p.data(), zeros.data(), 4, scratch.data());  // variance 0: the 1e-10 epsilon
  for (float v : p) CHECK(std::isfinite(v));
  layer.prepare(p.data());  // ‖v‖ = 0: the 1e-12 floor on Σv²
  for (float w : layer.kernel()) CHECK(std::isfinite(w));
  std::vector<float> dp = {1, 1, 0, 0};
  layer.finish_grads(p.data(), dp.data());
  for (float v : dp) CHECK(std::isfinite(v));
}
