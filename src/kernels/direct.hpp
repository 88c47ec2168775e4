#pragma once
// Direct convolution, vectorised over output channels: every Conv2D and Dense runs on these.
// Nothing is computed and dropped except the lanes past the last channel (conv1's 6 filters
// fill 6 of 8 lanes), the NHWC activations are read where they lie, and the output gradient
// is already in the layout the kernel-gradient pass reads.
//
// The implicit im2col matrix A has one row per output pixel and one column per kernel tap,
// in Keras' kernel order k = (ky·kw + kx)·C + c. In NHWC, kernel row ky of a pixel's
// receptive field is kw·C contiguous floats (a "run"), so A's row r is `runs` runs of
// `run_len` floats, run u starting at row(r) + u·run_stride. Dense is the case of one pixel
// per image whose receptive field is the whole input.
#include <cstddef>

#include "simd.hpp"

namespace wn::kernels {

// Micro-tiles are R pixels (or taps) × V channel vectors with R·V ≤ kDirectAccumulators: fewer
// channels, more pixels, so narrow layers still reuse each loaded vector several times.
// 12 natively (AVX-512 has 32 vector registers); V8 has 16 SIMD registers on x64 and the
// WebAssembly build uses 8 (measured in node: 8 → 5.7 s per epoch, 12 → 6.5 s, 16 → 9.2 s, V8 spilling).
#ifndef WN_DIRECT_ACCUMULATORS
#define WN_DIRECT_ACCUMULATORS 12
#endif
constexpr int kDirectAccumulators = WN_DIRECT_ACCUMULATORS;
constexpr int kDirectVecs = 4;  // channel vectors per micro-tile, at most
// Pixels per micro-tile for V channel vectors.
constexpr int direct_rows(int V) { return kDirectAccumulators / V > 1 ? kDirectAccumulators / V : 1; }

// The activation fused into the forward kernel's store and into the output gradient: none, ReLU, or leaky
// ReLU max(u, kLeakySlope·u) (ConvPool-CNN-C's; layers/activation.hpp has the scalar forms, which these
// equal bit for bit).
enum class Fused { none, relu, leaky_relu };
constexpr float kLeakySlope = 0.1f;

// n rounded up to whole vectors: the row stride of every channel-vectorised matrix.
inline int vec_stride(int n) { return (n + simd::kLanes - 1) / simd::kLanes * simd::kLanes; }

// Where the receptive fields of a batch's output pixels lie in its NHWC images: offsets from
// image 0's first float, so one geometry serves the input and its gradient.
struct PixelRows {
  std::size_t image_floats;  // one image (padded if the convolution pads)
  int rows_per_image;        // output pixels per image
  const int* pixel_offset;   // per output pixel: start of its receptive field in the image
  int runs, run_len, run_stride;

  int taps() const { return runs * run_len; }
  std::size_t tap(int k) const { return std::size_t(k / run_len) * run_stride + k % run_len; }
  std::size_t row(int r) const {
    return std::size_t(r / rows_per_image) * image_floats + pixel_offset[r % rows_per_image];
  }
  // f(row(r)) for r0 ≤ r < r1, in order, without a division per row. Two nested loops: a wrap test per
  // row instead made LeNet's conv1 kernel gradient 25 % slower in V8.
  template <class F>
  void for_each_row(int r0, int r1, F&& f) const {
    int r = r0, p = r0 % rows_per_image;
    for (std::size_t image = std::size_t(r0 / rows_per_image) * image_floats; r < r1; image += image_floats, p = 0)
      for (; p < rows_per_image && r < r1; ++p, ++r) f(image + pixel_offset[p]);
  }
};

// Y[r][j] = act(Σ_k A(r,k)·W[k][j] + bias[j]) for r < M, j < N; Y is M×N. W is taps × ldw,
// ldw = vec_stride(N), its padding columns finite (they are computed and dropped).
void direct_forward(const PixelRows& g, const float* A, int M, const float* W, int ldw, int N, const float* bias,
                    Fused act, float* Y);

// D = dy·act'(y) (dy, y, D: M×N; ReLU and leaky ReLU keep the sign, so y tells u's), followed by a vector
// of zeros: the gradient passes read a row's channels in whole vectors, running into the next row. Adds the
// column sums to db, the bias gradient.
void direct_output_grad(const float* dy, const float* y, Fused act, int M, int N, float* D, float* db);

// dW[k][j] += Σ_r A(r,k)·D[r][j] for k < g.taps(), j < vec_stride(N); dW is taps × vec_stride(N),
// D is direct_output_grad's. Columns j ≥ N pick up the next row's values: dropped by the caller.
// row_block > 0 sums the rows in blocks of that many, each block's sums added to dW in turn: a block's
// rows of A and D then stay in cache while every tap tile sweeps them, where one sweep over all M rows
// per tile streams D and A from memory again for each tile (wide layers: 1.5 MB of D per slice at
// 32×32×24). Blocking changes the order of the sum, so a layer keeps its row_block.
void direct_kernel_grad(const PixelRows& g, const float* A, int M, const float* D, int N, float* dW,
                        int row_block = 0);

// dA(r, u, t) += Σ_j D[r][j]·Wt[j][u·Lp + t] for t < Lp = vec_stride(run_len): the input gradient,
// scattered onto the receptive fields. Wt (N × runs·Lp) is the kernel transposed, with zeros
// at t ≥ run_len, so each run adds zeros to up to Lp − run_len floats past its end: dA needs
// that many floats of slack after its last image.
void direct_input_grad(const float* D, int M, int N, const float* Wt, const PixelRows& g, float* dA);

}  // namespace wn::kernels
