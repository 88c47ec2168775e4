#pragma once
// Images in memory: uint8, NHWC (32×32×3 for CIFAR-10), converted to float per batch.
#include <cstdint>
#include <vector>

namespace wn {

struct Dataset {
  static constexpr int kHeight = 32, kWidth = 32, kChannels = 3;
  static constexpr int kImageBytes = kHeight * kWidth * kChannels;
  static constexpr int kClasses = 10;

  std::vector<std::uint8_t> images;  // size() × kImageBytes, NHWC
  std::vector<std::uint8_t> labels;  // size(), each < kClasses

  int size() const { return int(labels.size()); }
  const std::uint8_t* image(int i) const { return images.data() + std::size_t(i) * kImageBytes; }
};

}  // namespace wn
