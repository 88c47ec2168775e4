#pragma once
// Images in memory: uint8, NHWC (32×32×3 for CIFAR-10), converted to float per batch.
#include <cstdint>
#include <cstring>
#include <vector>

namespace wn {

// Where a fit loop reads its samples: natively a Dataset in memory; in the browser the
// worker's shared buffers (src/wasm/bindings.cpp). Only the samples of one batch are copied.
class ImageSource {
 public:
  virtual ~ImageSource() = default;
  virtual int size() const = 0;
  // Copies samples index[0..n) into images (n × Dataset::kImageBytes, NHWC) and labels (n).
  virtual void gather(const std::uint32_t* index, int n, std::uint8_t* images, std::uint8_t* labels) const = 0;
};

struct Dataset final : ImageSource {
  static constexpr int kHeight = 32, kWidth = 32, kChannels = 3;
  static constexpr int kPixels = kHeight * kWidth;
  static constexpr int kImageBytes = kPixels * kChannels;
  static constexpr int kClasses = 10;

  std::vector<std::uint8_t> images;  // size() × kImageBytes, NHWC
  std::vector<std::uint8_t> labels;  // size(), each < kClasses

  int size() const override { return int(labels.size()); }
  const std::uint8_t* image(int i) const { return images.data() + std::size_t(i) * kImageBytes; }
  void gather(const std::uint32_t* index, int n, std::uint8_t* out_images, std::uint8_t* out_labels) const override {
    for (int i = 0; i < n; ++i) {
      std::memcpy(out_images + std::size_t(i) * kImageBytes, image(int(index[i])), kImageBytes);
      out_labels[i] = labels[index[i]];
    }
  }
};

}  // namespace wn
