#pragma once
// Activations. Conv2D and Dense apply theirs in their kernels' store (Keras'
// `activation=` argument); the standalone layer is for nets that want one apart.
// Leaky ReLU, max(x, 0.1·x), is ConvPool-CNN-C's (Salimans & Kingma 2016, §5.1, after
// Springenberg et al. 2015); its slope 0.1 is the paper's, not Keras' LeakyReLU default of 0.3.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "../kernels/direct.hpp"
#include "layer.hpp"

namespace wn {

enum class Activation { linear, relu, leaky_relu };

constexpr float kLeakySlope = kernels::kLeakySlope;

inline const char* activation_name(Activation a) {
  switch (a) {
    case Activation::relu: return "relu";
    case Activation::leaky_relu: return "leaky_relu";
    case Activation::linear: break;
  }
  return "linear";
}

// φ(u).
inline float activate(Activation a, float u) {
  switch (a) {
    case Activation::relu: return std::max(u, 0.0f);
    // max(u, 0.1·u) is the same value as u > 0 ? u : 0.1·u, without a branch: it vectorises, and
    // half the signs of a normalised layer mispredicted cost more than the arithmetic.
    case Activation::leaky_relu: return std::max(u, kLeakySlope * u);
    case Activation::linear: break;
  }
  return u;
}

// dy · φ'(u), read from the output y = φ(u): ReLU and leaky ReLU keep the sign, so y > 0 iff u > 0.
inline float activation_grad(Activation a, float y, float dy) {
  switch (a) {
    case Activation::relu: return simd::keep_if(y > 0.0f, dy);
    case Activation::leaky_relu: return dy * (y > 0.0f ? 1.0f : kLeakySlope);  // a blend, not a branch
    case Activation::linear: break;
  }
  return dy;
}

// f(std::integral_constant<Activation, a>{}): the activation a compile-time constant inside f, so the
// per-value activate() and activation_grad() in f's loops fold to straight-line code and vectorise.
template <class F>
void with_activation(Activation a, F&& f) {
  switch (a) {
    case Activation::relu: f(std::integral_constant<Activation, Activation::relu>{}); return;
    case Activation::leaky_relu: f(std::integral_constant<Activation, Activation::leaky_relu>{}); return;
    case Activation::linear: break;
  }
  f(std::integral_constant<Activation, Activation::linear>{});
}

inline void activate(Activation a, float* y, std::size_t count) {
  with_activation(a, [&](auto act) {
    for (std::size_t i = 0; i < count; ++i) y[i] = activate(act, y[i]);
  });
}

class ActivationLayer final : public Layer {
 public:
  ActivationLayer(Shape in, Activation act) : shape_(in), act_(act) {}
  std::string describe() const override { return std::string("Activation(") + activation_name(act_) + ")"; }
  std::string keras_name() const override { return act_ == Activation::leaky_relu ? "leaky_re_lu" : "activation"; }
  Shape input_shape() const override { return shape_; }
  Shape output_shape() const override { return shape_; }

  void forward(const float*, const float* x, float* y, int n, float*) const override {
    const std::size_t count = shape_.size() * n;
    std::memcpy(y, x, count * sizeof(float));
    activate(act_, y, count);
  }

  void backward(const float*, const float*, const float* y, const float* dy, float* dx, float*,
                int n, float*) const override {
    if (!dx) return;
    const std::size_t count = shape_.size() * n;
    for (std::size_t i = 0; i < count; ++i) dx[i] = activation_grad(act_, y[i], dy[i]);
  }

 private:
  Shape shape_;
  Activation act_;
};

}  // namespace wn
