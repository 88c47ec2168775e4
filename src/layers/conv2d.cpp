#include "conv2d.hpp"

#include <algorithm>
#include <cmath>

namespace wn {

namespace {
// The layer's activation as the kernels fuse it.
kernels::Fused fused(Activation a) {
  switch (a) {
    case Activation::relu: return kernels::Fused::relu;
    case Activation::leaky_relu: return kernels::Fused::leaky_relu;
    case Activation::linear: break;
  }
  return kernels::Fused::none;
}
int out_dim(int in, int k, int stride, Padding p) {
  return p == Padding::same ? (in + stride - 1) / stride : (in - k) / stride + 1;
}
// Rows per block of the kernel gradient's sum (kernels::direct_kernel_grad): wide layers (8 or more input
// channels, e.g. ConvPool-CNN-C's) sum in blocks that stay in cache; narrow ones (LeNet's 3 and 6) keep one
// sweep over all rows, and so their bits.
int kernel_grad_block(int channels) { return channels >= 8 ? 256 : 0; }
// Keras/TF 'same': total padding, split with the extra pixel at the bottom/right.
int pad_total(int in, int out, int k, int stride, Padding p) {
  return p == Padding::same ? std::max((out - 1) * stride + k - in, 0) : 0;
}
}  // namespace

Conv2D::Conv2D(Shape in, Conv2DConfig cfg) : in_(in), cfg_(cfg), kh_(cfg.kernel_h), kw_(cfg.kernel_w) {
  const int s = cfg.stride;
  out_ = {out_dim(in.h, kh_, s, cfg.padding), out_dim(in.w, kw_, s, cfg.padding), cfg.filters};
  const int ph = pad_total(in.h, out_.h, kh_, s, cfg.padding), pw = pad_total(in.w, out_.w, kw_, s, cfg.padding);
  pad_top_ = ph / 2;
  pad_left_ = pw / 2;
  padded_h_ = in.h + ph;
  padded_w_ = in.w + pw;
  glorot_limit_ = std::sqrt(6.0f / float(fan_in() + kh_ * kw_ * cfg.filters));
  for (int oy = 0; oy < out_.h; ++oy)
    for (int ox = 0; ox < out_.w; ++ox) pixel_offset_.push_back((oy * s * padded_w_ + ox * s) * in.c);
  if (flipped_dx())  // input pixel (y, x) is padded pixel (y + pad_top, x + pad_left)
    for (int y = 0; y < in.h; ++y)
      for (int x = 0; x < in.w; ++x)
        dx_offset_.push_back(((y + pad_top_) * dpad_w() + x + pad_left_) * cfg.filters);
}

kernels::PixelRows Conv2D::dx_pixels() const {
  // Kernel row ky of a receptive field in the padded gradient image: kw·filters contiguous floats.
  return {std::size_t(filters()) * dpad_h() * dpad_w(), in_.h * in_.w, dx_offset_.data(), kh_, kw_ * filters(),
          dpad_w() * filters()};
}

kernels::PixelRows Conv2D::pixels() const {
  // Kernel row ky of a receptive field: kw·C contiguous floats, one padded image row apart.
  return {std::size_t(in_.c) * padded_h_ * padded_w_, out_.h * out_.w, pixel_offset_.data(), kh_, kw_ * in_.c,
          padded_w_ * in_.c};
}

std::string Conv2D::describe() const {
  return "Conv2D(" + std::to_string(cfg_.filters) + ", " + std::to_string(kh_) + "x" + std::to_string(kw_) +
         ", stride " + std::to_string(cfg_.stride) + ", " + (cfg_.padding == Padding::same ? "same" : "valid") + ", " +
         activation_name(cfg_.activation) + ")";
}

Weights Conv2D::weights(const float* params) const {
  Weights w;
  w.kernel = params, w.rows = fan_in(), w.cols = filters(), w.bias = bias(params);
  w.kernel_shape = {kh_, kw_, in_.c, filters()};
  return w;
}

void Conv2D::init_params(float* params, Rng& rng) const {
  for (std::size_t i = 0; i < kernel_size(); ++i) params[i] = rng.uniform(-glorot_limit_, glorot_limit_);
  std::fill(params + kernel_size(), params + param_count(), 0.0f);
}

// Scratch of one slice, in floats: the padded input (only if the layer pads; forward leaves it
// for backward) and its gradient with a vector of slack (direct_input_grad writes past runs),
// the output gradient D, the kernel transposed (Wt) and padded to whole vectors (W), and the
// padded kernel gradient. Layers with flipped_dx() also have D zero-padded by the kernel's size less
// one on every side (dpad), the flipped kernel (wf) and a zero bias (zero), and no dinput. Last, a
// bias for a layer without one (zeros; backward drops its gradient).
struct Conv2D::ScratchLayout {
  std::size_t input, dinput, d, wt, w, dw, dpad, wf, zero, bias, total;
};

Conv2D::ScratchLayout Conv2D::layout(int n) const {
  const std::size_t image = std::size_t(n) * pixels().image_floats, ldw = kernels::vec_stride(filters());
  ScratchLayout s{};
  s.input = 0;
  s.dinput = pads() ? image : 0;
  s.d = s.dinput + (flipped_dx() ? 0 : image + simd::kLanes);
  s.wt = s.d + std::size_t(rows(n)) * filters() + simd::kLanes;
  s.w = s.wt + (flipped_dx() ? 0 : std::size_t(filters()) * kh_ * kernels::vec_stride(pixels().run_len));
  s.dw = s.w + std::size_t(fan_in()) * ldw;
  s.dpad = s.dw + std::size_t(fan_in()) * ldw;
  s.wf = s.dpad + (flipped_dx() ? std::size_t(n) * dx_pixels().image_floats : 0);
  s.zero = s.wf + (flipped_dx() ? std::size_t(kh_) * kw_ * filters() * kernels::vec_stride(in_.c) : 0);
  s.bias = s.zero + (flipped_dx() ? kernels::vec_stride(in_.c) : 0);
  s.total = s.bias + ldw;
  return s;
}

std::size_t Conv2D::scratch_floats(int n) const { return layout(n).total; }

// f(nhwc, padded, count) for every image row: where it lies in the NHWC slice and in the
// zero-padded copy. Both directions of the copy walk this.
template <class F>
void Conv2D::for_each_padded_row(int n, F&& f) const {
  const std::size_t row = std::size_t(in_.w) * in_.c, padded_row = std::size_t(padded_w_) * in_.c;
  for (int i = 0; i < n; ++i)
    for (int y = 0; y < in_.h; ++y)
      f((std::size_t(i) * in_.h + y) * row, (std::size_t(i) * padded_h_ + y + pad_top_) * padded_row + pad_left_ * in_.c,
        row);
}

void Conv2D::to_padded(const float* x, int n, float* padded) const {
  std::fill(padded, padded + std::size_t(n) * pixels().image_floats, 0.0f);
  for_each_padded_row(n, [&](std::size_t src, std::size_t dst, std::size_t count) {
    std::copy(x + src, x + src + count, padded + dst);
  });
}

// The inverse, dropping the padding (where gradients of padded pixels landed).
void Conv2D::from_padded(const float* padded, int n, float* x) const {
  for_each_padded_row(n, [&](std::size_t dst, std::size_t src, std::size_t count) {
    std::copy(padded + src, padded + src + count, x + dst);
  });
}

void Conv2D::forward(const float* params, const float* x, float* y, int n, float* scratch) const {
  forward_with(params, bias(params), cfg_.activation, x, y, n, scratch);
}

void Conv2D::backward(const float* params, const float* x, const float* y, const float* dy, float* dx, float* dparams,
                      int n, float* scratch) const {
  backward_with(params, x, y, dy, dx, dparams, bias(dparams), n, scratch);
}

void Conv2D::forward_with(const float* kernel, const float* bias, Activation act, const float* x, float* y, int n,
                          float* scratch) const {
  // y[M][N] = act(A[M][K] · W[K][N] + b),  M = n·oh·ow output pixels, K = kh·kw·cin, N = filters.
  const ScratchLayout s = layout(n);
  const float* image = x;
  if (pads()) to_padded(x, n, scratch + s.input), image = scratch + s.input;
  const int K = fan_in(), N = filters(), ldw = kernels::vec_stride(N);
  const float* W = kernel;
  if (ldw != N) {  // whole vectors of output channels: pad the kernel's rows with zeros
    float* w = scratch + s.w;
    for (int k = 0; k < K; ++k) {
      std::copy(kernel + std::size_t(k) * N, kernel + std::size_t(k + 1) * N, w + std::size_t(k) * ldw);
      std::fill(w + std::size_t(k) * ldw + N, w + std::size_t(k + 1) * ldw, 0.0f);
    }
    W = w;
  }
  if (!bias) {
    float* zero = scratch + s.bias;
    std::fill(zero, zero + ldw, 0.0f);
    bias = zero;
  }
  kernels::direct_forward(pixels(), image, rows(n), W, ldw, N, bias, fused(act), y);
}

void Conv2D::backward_with(const float* kernel, const float* x, const float* y, const float* dy, float* dx,
                           float* dkernel, float* dbias, int n, float* scratch) const {
  const ScratchLayout s = layout(n);
  const int K = fan_in(), N = filters(), M = rows(n), ldw = kernels::vec_stride(N);
  const float* image = pads() ? scratch + s.input : x;  // forward left the padded copy

  // D = dy ⊙ act'(y), db += Σ D;  dW += Aᵀ·D;  dA = D·Wᵀ, scattered back onto the receptive fields.
  float* D = scratch + s.d;
  if (!dbias) {
    dbias = scratch + s.bias;
    std::fill(dbias, dbias + N, 0.0f);
  }
  kernels::direct_output_grad(dy, y, fused(cfg_.activation), M, N, D, dbias);
  if (ldw == N) {
    kernels::direct_kernel_grad(pixels(), image, M, D, N, dkernel, kernel_grad_block(in_.c));
  } else {  // into whole vectors of channels, then the real ones onto dkernel
    float* dw = scratch + s.dw;
    std::fill(dw, dw + std::size_t(K) * ldw, 0.0f);
    kernels::direct_kernel_grad(pixels(), image, M, D, N, dw, kernel_grad_block(in_.c));
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < N; ++j) dkernel[std::size_t(k) * N + j] += dw[std::size_t(k) * ldw + j];
  }
  if (!dx) return;
  if (flipped_dx()) return input_grad_flipped(kernel, D, dx, n, scratch);

  const int run = pixels().run_len, Lp = kernels::vec_stride(run);
  float* wt = scratch + s.wt;  // Wt[j][u·Lp + t] = W[u·run + t][j], zero for t ≥ run
  for (int j = 0; j < N; ++j)
    for (int u = 0; u < kh_; ++u)
      for (int t = 0; t < Lp; ++t)
        wt[(std::size_t(j) * kh_ + u) * Lp + t] = t < run ? kernel[(std::size_t(u) * run + t) * N + j] : 0.0f;
  float* dimage = scratch + s.dinput;
  std::fill(dimage, dimage + (s.d - s.dinput), 0.0f);
  kernels::direct_input_grad(D, M, N, wt, pixels(), dimage);
  if (pads())
    from_padded(dimage, n, dx);
  else
    std::copy(dimage, dimage + std::size_t(n) * in_.size(), dx);
}

// dx of a wide stride-1 layer: dx[y][x][c] = Σ_{ky,kx,f} D[y + pad_top − ky][x + pad_left − kx][f]·W[ky][kx][c][f],
// a valid convolution of D, zero-padded by kh − 1 rows and kw − 1 columns on every side, with the kernel
// flipped in both directions and its channels swapped (Wf[kh−1−ky][kw−1−kx][f][c]). direct_forward then
// gathers each input pixel's gradient in registers, vectorised over its input channels, and stores it
// once, where direct_input_grad scatters a load-add-store per kernel row and output pixel onto overlapping
// receptive fields: on ConvPool-CNN-C's 3×3 layers with 24 and 48 channels it takes about half the time.
void Conv2D::input_grad_flipped(const float* kernel, const float* D, float* dx, int n, float* scratch) const {
  const ScratchLayout s = layout(n);
  const int C = in_.c, N = filters(), ldc = kernels::vec_stride(C);
  const int ph = dpad_h(), pw = dpad_w();
  float* dpad = scratch + s.dpad;
  std::fill(dpad, dpad + std::size_t(n) * ph * pw * N, 0.0f);
  const std::size_t row = std::size_t(out_.w) * N;
  for (int i = 0; i < n; ++i)
    for (int y = 0; y < out_.h; ++y) {
      const float* src = D + (std::size_t(i) * out_.h + y) * row;
      std::copy(src, src + row, dpad + ((std::size_t(i) * ph + y + kh_ - 1) * pw + kw_ - 1) * N);
    }
  float* wf = scratch + s.wf;  // rows (ky, kx, f) of the flipped kernel, C channels padded to ldc
  for (int ky = 0; ky < kh_; ++ky)
    for (int kx = 0; kx < kw_; ++kx)
      for (int f = 0; f < N; ++f) {
        float* w = wf + ((std::size_t(ky) * kw_ + kx) * N + f) * ldc;
        const float* k = kernel + (std::size_t(kh_ - 1 - ky) * kw_ + (kw_ - 1 - kx)) * C * N + f;
        for (int c = 0; c < C; ++c) w[c] = k[std::size_t(c) * N];
        std::fill(w + C, w + ldc, 0.0f);
      }
  float* zero = scratch + s.zero;
  std::fill(zero, zero + ldc, 0.0f);
  kernels::direct_forward(dx_pixels(), dpad, n * in_.h * in_.w, wf, ldc, C, zero, kernels::Fused::none, dx);
}

}  // namespace wn
