#include "conv2d.hpp"

#include <algorithm>
#include <cmath>

#include "../kernels/gemm.hpp"

namespace wn {

using kernels::kPanelRows;

namespace {
int out_dim(int in, int k, int stride, Padding p) {
  return p == Padding::same ? (in + stride - 1) / stride : (in - k) / stride + 1;
}
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
  full_h_ = padded_h_ - kh_ + 1;
  full_w_ = padded_w_ - kw_ + 1;
  glorot_limit_ = std::sqrt(6.0f / float(fan_in() + kh_ * kw_ * cfg.filters));
  packed_ = full_h_ == 1 && full_w_ == 1;
  if (packed_) return;

  // Flat positions q = y·padded_w + x of the stride-1 output, panel by panel per image.
  const int Q = (full_h_ - 1) * padded_w_ + full_w_;
  panels_per_image_ = kernels::panel_count(Q);
  row_of_.assign(std::size_t(panels_per_image_) * kernels::kPanelRows, -1);
  for (int q = 0; q < Q; ++q) {
    const int y = q / padded_w_, x = q % padded_w_;
    if (x < full_w_ && y % s == 0 && x % s == 0 && y / s < out_.h && x / s < out_.w)
      row_of_[q] = (y / s) * out_.w + x / s;
  }
  tap_offset_.assign(kernels::grad_stride_i(fan_in()), 0);  // padded columns read tap 0: finite, discarded
  for (int ky = 0; ky < kh_; ++ky)
    for (int kx = 0; kx < kw_; ++kx)
      for (int c = 0; c < in.c; ++c)
        tap_offset_[(ky * kw_ + kx) * in.c + c] = (c * padded_h_ + ky) * padded_w_ + kx;
}

std::string Conv2D::describe() const {
  return "Conv2D(" + std::to_string(cfg_.filters) + ", " + std::to_string(kh_) + "x" + std::to_string(kw_) +
         ", stride " + std::to_string(cfg_.stride) + ", " + (cfg_.padding == Padding::same ? "same" : "valid") + ", " +
         activation_name(cfg_.activation) + ")";
}

void Conv2D::init_params(float* params, Rng& rng) const {
  for (std::size_t i = 0; i < kernel_size(); ++i) params[i] = rng.uniform(-glorot_limit_, glorot_limit_);
  std::fill(params + kernel_size(), params + param_count(), 0.0f);
}

// Scratch of one slice: the input (planar and padded, or packed) and its gradient, the
// output-gradient panels D, the kernel transposed and the padded kernel gradient.
struct Conv2D::ScratchLayout {
  int panels, Kp, Np;
  std::size_t input, dinput, d, wt, dw, total;
};

Conv2D::ScratchLayout Conv2D::layout(int n) const {
  ScratchLayout s{};
  s.Kp = kernels::grad_stride_i(fan_in());
  s.Np = kernels::grad_stride_j(filters());
  s.panels = packed_ ? kernels::panel_count(n) : n * panels_per_image_;
  // An ImageView's last panel reads up to kPanelRows floats past its image.
  const std::size_t input = packed_ ? kernels::panel_floats(n, s.Kp)
                                    : std::size_t(n) * in_.c * padded_h_ * padded_w_ + kernels::kPanelRows;
  s.input = 0;
  s.dinput = s.input + input;
  s.d = s.dinput + input;
  s.wt = s.d + std::size_t(s.panels) * s.Np * kernels::kPanelRows;
  s.dw = s.wt + kernel_size();
  s.total = s.dw + std::size_t(s.Kp) * s.Np;
  return s;
}

std::size_t Conv2D::scratch_floats(int n) const { return layout(n).total; }

kernels::ImageView Conv2D::view(float* planar) const {
  return {planar, std::size_t(in_.c) * padded_h_ * padded_w_, panels_per_image_, tap_offset_.data(), row_of_.data(),
          out_.h * out_.w};
}

// f(nhwc, planar) for every input value: its index in the NHWC slice and in the
// channel-planar, zero-padded copy. Both directions of the copy walk this.
template <class F>
void Conv2D::for_each_input(int n, F&& f) const {
  const int C = in_.c;
  const std::size_t plane = std::size_t(padded_h_) * padded_w_;
  for (int i = 0; i < n; ++i)
    for (int y = 0; y < in_.h; ++y) {
      const std::size_t src = (std::size_t(i) * in_.h + y) * in_.w * C;
      const std::size_t dst = std::size_t(i) * C * plane + std::size_t(y + pad_top_) * padded_w_ + pad_left_;
      for (int xx = 0; xx < in_.w; ++xx)
        for (int c = 0; c < C; ++c) f(src + std::size_t(xx) * C + c, dst + c * plane + xx);
    }
}

// NHWC → channel-planar with zero padding: a run of output pixels then reads a run of input pixels.
void Conv2D::to_planar(const float* x, int n, float* planar) const {
  std::fill(planar, planar + n * in_.c * std::size_t(padded_h_) * padded_w_ + kernels::kPanelRows, 0.0f);
  for_each_input(n, [&](std::size_t nhwc, std::size_t p) { planar[p] = x[nhwc]; });
}

// The inverse, dropping the padding (where gradients of padded pixels landed).
void Conv2D::from_planar(const float* planar, int n, float* x) const {
  for_each_input(n, [&](std::size_t nhwc, std::size_t p) { x[nhwc] = planar[p]; });
}

void Conv2D::forward(const float* params, const float* x, float* y, int n, float* scratch) const {
  forward_with(params, params + kernel_size(), cfg_.activation, x, y, n, scratch);
}

void Conv2D::backward(const float* params, const float* x, const float* y, const float* dy, float* dx, float* dparams,
                      int n, float* scratch) const {
  backward_with(params, x, y, dy, dx, dparams, dparams + kernel_size(), n, scratch);
}

void Conv2D::forward_with(const float* kernel, const float* bias, Activation act, const float* x, float* y, int n,
                          float* scratch) const {
  // y[M][N] = act(A[M][K] · W[K][N] + b),  M = n·oh·ow, K = kh·kw·cin, N = filters.
  // The input copy stays in this slice's scratch for backward.
  const ScratchLayout s = layout(n);
  const bool relu = act == Activation::relu;
  if (packed_) {
    const kernels::Packed A{scratch + s.input, s.Kp, n};
    kernels::pack_rows(x, n, fan_in(), A);
    kernels::gemm_rows_out(A, s.panels, fan_in(), kernel, filters(), bias, relu, y);
  } else {
    to_planar(x, n, scratch + s.input);
    kernels::gemm_rows_out(view(scratch + s.input), s.panels, fan_in(), kernel, filters(), bias, relu, y);
  }
}

void Conv2D::backward_with(const float* kernel, const float*, const float* y, const float* dy, float* dx,
                           float* dkernel, float* dbias, int n, float* scratch) const {
  const ScratchLayout s = layout(n);
  const int K = fan_in(), N = filters();
  const bool relu = cfg_.activation == Activation::relu;
  const kernels::Packed D{scratch + s.d, s.Np, n};
  float* dw = scratch + s.dw;
  std::fill(dw, dw + std::size_t(s.Kp) * s.Np, 0.0f);
  float* wt = scratch + s.wt;
  if (dx)
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < N; ++j) wt[std::size_t(j) * K + k] = kernel[std::size_t(k) * N + j];

  // D = dy ⊙ act'(y), db += Σ D;  dW += Aᵀ·D;  dA = D·Wᵀ, back onto the input.
  if (packed_) {
    const kernels::Packed A{scratch + s.input, s.Kp, n}, dA{scratch + s.dinput, s.Kp, n};
    kernels::pack_output_grad(dy, y, relu, A, s.panels, N, D, dbias);
    kernels::gemm_tn_accumulate(A, s.panels, s.Kp, D, dw);
    if (dx) {
      kernels::gemm_panels_out(D, s.panels, N, wt, K, dA, /*accumulate=*/false);
      kernels::unpack_rows(dA, n, K, dx);
    }
  } else {
    const kernels::ImageView A = view(scratch + s.input);
    kernels::pack_output_grad(dy, y, relu, A, s.panels, N, D, dbias);
    kernels::gemm_tn_accumulate(A, s.panels, s.Kp, D, dw);
    if (dx) {
      float* dplanar = scratch + s.dinput;
      std::fill(dplanar, dplanar + (s.d - s.dinput), 0.0f);
      kernels::gemm_panels_out(D, s.panels, N, wt, K, view(dplanar), /*accumulate=*/true);
      from_planar(dplanar, n, dx);
    }
  }
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < N; ++j) dkernel[std::size_t(k) * N + j] += dw[std::size_t(k) * s.Np + j];
}

}  // namespace wn
