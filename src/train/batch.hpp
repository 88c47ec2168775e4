#pragma once
// Batch staging: the samples a loop picked, gathered from their source and scaled to x/255,
// the tutorial's only preprocessing. The trainer takes floats, so it never sees pixels.
#include <cstdint>
#include <vector>

#include "../data/dataset.hpp"
#include "../tensor.hpp"

namespace wn {

class Batch {
 public:
  explicit Batch(int capacity)
      : pixels_(std::size_t(capacity) * Dataset::kImageBytes), x_(pixels_.size()), labels_(std::size_t(capacity)) {}

  // Stages samples index[0..n), n ≤ capacity.
  void stage(const ImageSource& source, const std::uint32_t* index, int n) {
    source.gather(index, n, pixels_.data(), labels_.data());
    n_ = n;
    const std::size_t count = std::size_t(n) * Dataset::kImageBytes;
    for (std::size_t i = 0; i < count; ++i) x_[i] = float(pixels_[i]) * (1.0f / 255.0f);
  }

  int size() const { return n_; }
  const float* x() const { return x_.data(); }  // n × 32×32×3 floats in [0, 1], NHWC
  const std::uint8_t* labels() const { return labels_.data(); }

 private:
  std::vector<std::uint8_t> pixels_;
  Floats x_;
  std::vector<std::uint8_t> labels_;
  int n_ = 0;
};

}  // namespace wn
