#pragma once
// Activations. Conv2D and Dense apply theirs in their kernels' store (Keras'
// `activation=` argument); the standalone layer is for nets that want one apart.
#include <algorithm>
#include <cstring>

#include "../kernels/simd.hpp"
#include "layer.hpp"

namespace wn {

enum class Activation { linear, relu };

inline const char* activation_name(Activation a) { return a == Activation::relu ? "relu" : "linear"; }

class ActivationLayer final : public Layer {
 public:
  ActivationLayer(Shape in, Activation act) : shape_(in), act_(act) {}
  std::string describe() const override { return std::string("Activation(") + activation_name(act_) + ")"; }
  std::string keras_name() const override { return "activation"; }
  Shape input_shape() const override { return shape_; }
  Shape output_shape() const override { return shape_; }

  void forward(const float*, const float* x, float* y, int n, float*) const override {
    const std::size_t count = shape_.size() * n;
    if (act_ == Activation::linear) {
      std::memcpy(y, x, count * sizeof(float));
      return;
    }
    for (std::size_t i = 0; i < count; ++i) y[i] = std::max(x[i], 0.0f);
  }

  void backward(const float*, const float*, const float* y, const float* dy, float* dx, float*,
                int n, float*) const override {
    if (!dx) return;
    const std::size_t count = shape_.size() * n;
    for (std::size_t i = 0; i < count; ++i)
      dx[i] = act_ == Activation::linear ? dy[i] : simd::keep_if(y[i] > 0.0f, dy[i]);
  }

 private:
  Shape shape_;
  Activation act_;
};

}  // namespace wn
