#include "maxpool2d.hpp"

#include <algorithm>
#include <limits>

namespace wn {

MaxPool2D::MaxPool2D(Shape in, int pool, int stride)
    : in_(in),
      out_{(in.h - pool) / stride + 1, (in.w - pool) / stride + 1, in.c},
      pool_(pool),
      stride_(stride) {}

std::string MaxPool2D::describe() const {
  return "MaxPool2D(" + std::to_string(pool_) + "x" + std::to_string(pool_) + ", stride " +
         std::to_string(stride_) + ")";
}

void MaxPool2D::forward(const float*, const float* x, float* y, int n, float*) const {
  const int C = in_.c;
  for (int i = 0; i < n; ++i) {
    const float* xi = x + std::size_t(i) * in_.size();
    float* yi = y + std::size_t(i) * out_.size();
    for (int oy = 0; oy < out_.h; ++oy)
      for (int ox = 0; ox < out_.w; ++ox) {
        float* yo = yi + (std::size_t(oy) * out_.w + ox) * C;
        std::fill(yo, yo + C, -std::numeric_limits<float>::infinity());
        for (int py = 0; py < pool_; ++py)
          for (int px = 0; px < pool_; ++px) {
            const float* xs = xi + ((std::size_t(oy) * stride_ + py) * in_.w + ox * stride_ + px) * C;
            for (int c = 0; c < C; ++c) yo[c] = std::max(yo[c], xs[c]);  // vectorises over channels
          }
      }
  }
}

void MaxPool2D::backward(const float*, const float* x, const float* y, const float* dy, float* dx,
                         float*, int n, float*) const {
  if (!dx) return;
  const int C = in_.c;
  std::fill(dx, dx + in_.size() * n, 0.0f);
  for (int i = 0; i < n; ++i) {
    const float* xi = x + std::size_t(i) * in_.size();
    float* dxi = dx + std::size_t(i) * in_.size();
    const std::size_t o0 = std::size_t(i) * out_.size();
    for (int oy = 0; oy < out_.h; ++oy)
      for (int ox = 0; ox < out_.w; ++ox)
        for (int c = 0; c < C; ++c) {
          const std::size_t o = o0 + (std::size_t(oy) * out_.w + ox) * C + c;
          bool routed = false;
          for (int py = 0; py < pool_ && !routed; ++py)
            for (int px = 0; px < pool_ && !routed; ++px) {
              const std::size_t at = ((std::size_t(oy) * stride_ + py) * in_.w + ox * stride_ + px) * C + c;
              if (xi[at] == y[o]) {
                dxi[at] += dy[o];
                routed = true;
              }
            }
        }
  }
}

}  // namespace wn
