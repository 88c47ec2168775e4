#include <doctest/doctest.h>

#include "optim/optimizer.hpp"

using namespace wn;

TEST_CASE("Adam: two steps as tf.keras computes them") {
  // θ0 = 1, g1 = 0.5, g2 = −0.25, Keras defaults lr 1e-3, β 0.9/0.999, ε 1e-7.
  // t=1: m = 0.05, v = 0.00025, lr_t = 1e-3·√0.001/0.1 = 3.1622777e-4,
  //      θ1 = 1 − lr_t·0.05/(0.0158114 + 1e-7) = 0.99900001
  // t=2: m = 0.045 − 0.025 = 0.02, v = 0.00024975 + 0.0000625 = 0.00031225,
  //      lr_t = 1e-3·√0.001999/0.19 = 2.3531673e-4,
  //      θ2 = θ1 − lr_t·0.02/(0.0176706 + 1e-7) = 0.99873367
  auto adam = make_adam({});
  float theta = 1.0f;
  float g = 0.5f;
  adam->step(&theta, &g, 1);
  CHECK(theta == doctest::Approx(0.99900001).epsilon(1e-7));
  g = -0.25f;
  adam->step(&theta, &g, 1);
  CHECK(theta == doctest::Approx(0.99873367).epsilon(1e-7));
}

TEST_CASE("SGD with momentum: velocity = μ·velocity − lr·g") {
  auto sgd = make_sgd({0.1f, 0.9f});
  float theta = 1.0f, g = 1.0f;
  sgd->step(&theta, &g, 1);  // v = −0.1, θ = 0.9
  CHECK(theta == doctest::Approx(0.9));
  sgd->step(&theta, &g, 1);  // v = −0.09 − 0.1 = −0.19, θ = 0.71
  CHECK(theta == doctest::Approx(0.71));
}
