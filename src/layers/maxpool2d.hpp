#pragma once
// MaxPool2D with 'valid' padding, as Keras' default.
#include "layer.hpp"

namespace wn {

class MaxPool2D final : public Layer {
 public:
  MaxPool2D(Shape in, int pool, int stride);
  std::string describe() const override;
  std::string keras_name() const override { return "max_pooling2d"; }
  Shape input_shape() const override { return in_; }
  Shape output_shape() const override { return out_; }

  // Scratch keeps, per output, which window position won (as a small float): backward
  // then routes each gradient without searching the window again.
  std::size_t scratch_floats(int n) const override { return out_.size() * n; }
  void forward(const float* params, const float* x, float* y, int n,
               float* scratch) const override;
  // The gradient goes to the first maximum of each window (TensorFlow's choice).
  void backward(const float* params, const float* x, const float* y, const float* dy, float* dx,
                float* dparams, int n, float* scratch) const override;

 private:
  Shape in_, out_;
  int pool_, stride_;
};

}  // namespace wn
