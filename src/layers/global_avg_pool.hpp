#pragma once
// GlobalAveragePooling2D: each channel's mean over the image, (h, w, c) → (1, 1, c), as Keras'
// layer of that name. ConvPool-CNN-C ends in it instead of a wide Dense layer (Lin et al. 2013,
// "Network in network", §3.2; Springenberg et al. 2015).
#include <algorithm>

#include "layer.hpp"

namespace wn {

class GlobalAvgPool final : public Layer {
 public:
  explicit GlobalAvgPool(Shape in) : in_(in) {}
  std::string describe() const override { return "GlobalAveragePooling2D"; }
  std::string keras_name() const override { return "global_average_pooling2d"; }
  Shape input_shape() const override { return in_; }
  Shape output_shape() const override { return {1, 1, in_.c}; }

  void forward(const float*, const float* x, float* y, int n, float*) const override {
    const std::size_t C = std::size_t(in_.c), P = std::size_t(in_.h) * in_.w;
    const float scale = 1.0f / float(P);
    for (int i = 0; i < n; ++i) {
      float* out = y + std::size_t(i) * C;
      std::fill(out, out + C, 0.0f);
      const float* img = x + std::size_t(i) * P * C;
      for (std::size_t p = 0; p < P; ++p)
        for (std::size_t j = 0; j < C; ++j) out[j] += img[p * C + j];
      for (std::size_t j = 0; j < C; ++j) out[j] *= scale;
    }
  }

  // Every pixel of a channel gets its mean's gradient over h·w.
  void backward(const float*, const float*, const float*, const float* dy, float* dx, float*, int n,
                float*) const override {
    if (!dx) return;
    const std::size_t C = std::size_t(in_.c), P = std::size_t(in_.h) * in_.w;
    const float scale = 1.0f / float(P);
    for (int i = 0; i < n; ++i)
      for (std::size_t p = 0; p < P; ++p)
        for (std::size_t j = 0; j < C; ++j) dx[(std::size_t(i) * P + p) * C + j] = dy[std::size_t(i) * C + j] * scale;
  }

 private:
  Shape in_;
};

}  // namespace wn
