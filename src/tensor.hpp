#pragma once
// Shapes and buffers shared by every layer.
//
// Layout convention, stated once for the whole project: activations are NHWC
// (batch, height, width, channel), row-major, float32. A batch of n samples of
// shape {h, w, c} is n*h*w*c contiguous floats; sample i starts at i*size().
// Kernels follow Keras: conv [kh][kw][cin][cout], dense [in][out], so the output
// channel is always the fastest axis and Flatten is a no-op on memory.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace wn {

struct Shape {
  int h = 1, w = 1, c = 1;
  std::size_t size() const { return std::size_t(h) * w * c; }
  bool operator==(const Shape& o) const { return h == o.h && w == o.w && c == o.c; }
  std::string str() const {
    return "(" + std::to_string(h) + ", " + std::to_string(w) + ", " + std::to_string(c) + ")";
  }
};

inline std::size_t round_up(std::size_t x, std::size_t m) { return (x + m - 1) / m * m; }

// 64-byte aligned allocator: SIMD loads never straddle cache lines needlessly.
template <class T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(std::size_t n) {
    void* p = ::operator new(round_up(n * sizeof(T), 64), std::align_val_t(64));
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(64)); }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const AlignedAllocator<U>&) const { return false; }
};

using Floats = std::vector<float, AlignedAllocator<float>>;

}  // namespace wn
