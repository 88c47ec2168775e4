#include "maxpool2d.hpp"

#include <algorithm>

#include "../kernels/simd.hpp"

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

void MaxPool2D::forward(const float*, const float* x, float* y, int n, float* winner) const {
  using simd::kLanes;
  using simd::vfloat;
  const int C = in_.c;
  for (int i = 0; i < n; ++i) {
    const float* xi = x + std::size_t(i) * in_.size();
    for (int oy = 0; oy < out_.h; ++oy)
      for (int ox = 0; ox < out_.w; ++ox) {
        const std::size_t o = std::size_t(i) * out_.size() + (std::size_t(oy) * out_.w + ox) * C;
        const float* window = xi + (std::size_t(oy) * stride_ * in_.w + ox * stride_) * C;
        const auto at = [&](int py, int px) { return window + (std::size_t(py) * in_.w + px) * C; };
        // Compares and selects, not branches: winners are data-dependent, and as branches they
        // mispredict. Strict compares: the first maximum wins ties, as in TensorFlow.
        if (C >= kLanes) {
          // Vectors of channels; the last one overlaps the one before rather than running past C
          // (conv1's 6 channels are lanes 0–3 and 2–5), as whole vectors beat a scalar tail.
          for (int c0 = 0; c0 < C; c0 += kLanes) {
            const int c = std::min(c0, C - kLanes);
            vfloat best = simd::load(window + c), where{};  // window position 0 to start
            for (int py = 0; py < pool_; ++py)
              for (int px = py == 0 ? 1 : 0; px < pool_; ++px) {
                const vfloat v = simd::load(at(py, px) + c);
                const simd::vint better = v > best;
                best = simd::select(better, v, best);
                where = simd::select(better, simd::splat(float(py * pool_ + px)), where);
              }
            simd::store(y + o + c, best);
            simd::store(winner + o + c, where);
          }
        } else {
          // Fewer channels than lanes (natively, conv1's 6 of 8): arithmetic the compiler vectorises.
          float* __restrict yo = y + o;
          float* __restrict wo = winner + o;
          for (int c = 0; c < C; ++c) yo[c] = window[c], wo[c] = 0.0f;
          for (int py = 0; py < pool_; ++py)
            for (int px = py == 0 ? 1 : 0; px < pool_; ++px) {
              const float* __restrict v = at(py, px);
              for (int c = 0; c < C; ++c) {
                const float better = float(v[c] > yo[c]);
                wo[c] += better * (float(py * pool_ + px) - wo[c]);
                yo[c] = std::max(yo[c], v[c]);
              }
            }
        }
      }
  }
}

void MaxPool2D::backward(const float*, const float*, const float*, const float* dy, float* dx, float*, int n,
                         float* winner) const {
  if (!dx) return;
  const int C = in_.c;
  std::fill(dx, dx + in_.size() * n, 0.0f);
  for (int i = 0; i < n; ++i) {
    float* dxi = dx + std::size_t(i) * in_.size();
    const std::size_t o0 = std::size_t(i) * out_.size();
    for (int oy = 0; oy < out_.h; ++oy)
      for (int ox = 0; ox < out_.w; ++ox)
        for (int c = 0; c < C; ++c) {
          const std::size_t o = o0 + (std::size_t(oy) * out_.w + ox) * C + c;
          const int at = int(winner[o]), py = at / pool_, px = at - py * pool_;
          dxi[((std::size_t(oy) * stride_ + py) * in_.w + ox * stride_ + px) * C + c] += dy[o];
        }
  }
}

}  // namespace wn
