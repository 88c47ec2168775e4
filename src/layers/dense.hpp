#pragma once
// Dense(units). A dense layer on an input of shape (h, w, c) is a convolution
// whose kernel covers the whole input: kernel [h·w·c][units], exactly Keras'
// Dense kernel after Flatten. So it reuses Conv2D's kernels and gradients; only
// Glorot's fan_out differs (units, not kh·kw·units).
#include <cmath>

#include "conv2d.hpp"

namespace wn {

class Dense final : public Conv2D {
 public:
  Dense(Shape in, int units, Activation act, bool use_bias = true)
      : Conv2D(in, Conv2DConfig{units, in.h, in.w, 1, Padding::valid, act, use_bias}) {
    glorot_limit_ = std::sqrt(6.0f / float(fan_in() + units));
  }
  std::string keras_name() const override { return "dense"; }
  Weights weights(const float* params) const override {
    Weights w = Conv2D::weights(params);
    w.kernel_shape = {fan_in(), filters()};
    return w;
  }
  std::string describe() const override {
    return "Dense(" + std::to_string(filters()) + ", " + activation_name(activation()) + ")";
  }
};

}  // namespace wn
