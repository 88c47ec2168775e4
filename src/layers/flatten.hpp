#pragma once
// Flatten. In NHWC the flattened order (h, w, c) is the memory order, so this is
// a copy that only changes the shape, exactly like Keras' Flatten on channels_last.
#include <cstring>

#include "layer.hpp"

namespace wn {

class Flatten final : public Layer {
 public:
  explicit Flatten(Shape in) : in_(in) {}
  std::string describe() const override { return "Flatten"; }
  std::string keras_name() const override { return "flatten"; }
  Shape input_shape() const override { return in_; }
  Shape output_shape() const override { return {1, 1, int(in_.size())}; }

  void forward(const float*, const float* x, float* y, int n, float*) const override {
    std::memcpy(y, x, in_.size() * n * sizeof(float));
  }
  void backward(const float*, const float*, const float*, const float* dy, float* dx, float*,
                int n, float*) const override {
    if (dx) std::memcpy(dx, dy, in_.size() * n * sizeof(float));
  }

 private:
  Shape in_;
};

}  // namespace wn
