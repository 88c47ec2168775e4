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
// Keras/TF 'same': total padding split with the extra pixel at the bottom/right.
int pad_before(int in, int out, int k, int stride) {
  return std::max((out - 1) * stride + k - in, 0) / 2;
}
}  // namespace

Conv2D::Conv2D(Shape in, Conv2DConfig cfg)
    : in_(in), cfg_(cfg), kh_(cfg.kernel_h), kw_(cfg.kernel_w) {
  out_ = {out_dim(in.h, kh_, cfg.stride, cfg.padding), out_dim(in.w, kw_, cfg.stride, cfg.padding),
          cfg.filters};
  if (cfg.padding == Padding::same) {
    pad_top_ = pad_before(in.h, out_.h, kh_, cfg.stride);
    pad_left_ = pad_before(in.w, out_.w, kw_, cfg.stride);
  }
  glorot_limit_ = std::sqrt(6.0f / float(fan_in() + kh_ * kw_ * cfg.filters));
}

std::string Conv2D::describe() const {
  return "Conv2D(" + std::to_string(cfg_.filters) + ", " + std::to_string(kh_) + "x" +
         std::to_string(kw_) + ", stride " + std::to_string(cfg_.stride) + ", " +
         (cfg_.padding == Padding::same ? "same" : "valid") + ", " +
         activation_name(cfg_.activation) + ")";
}

void Conv2D::init_params(float* params, Rng& rng) const {
  for (std::size_t i = 0; i < kernel_size(); ++i)
    params[i] = rng.uniform(-glorot_limit_, glorot_limit_);
  std::fill(params + kernel_size(), params + param_count(), 0.0f);
}

// Scratch of one slice: im2col panels A (kept from forward for dW), output-gradient
// panels D, input-gradient panels dA, the transposed kernel and the padded dW tile sum.
struct Conv2D::ScratchLayout {
  int M, Kp, Np;
  std::size_t a, d, da, wt, dw, total;
};

Conv2D::ScratchLayout Conv2D::layout(int n) const {
  ScratchLayout s{};
  s.M = n * out_.h * out_.w;
  s.Kp = kernels::grad_stride_i(fan_in());
  s.Np = kernels::grad_stride_j(filters());
  s.a = 0;
  s.d = s.a + kernels::panel_floats(s.M, s.Kp);
  s.da = s.d + kernels::panel_floats(s.M, s.Np);
  s.wt = s.da + kernels::panel_floats(s.M, s.Kp);
  s.dw = s.wt + kernel_size();
  s.total = s.dw + std::size_t(s.Kp) * s.Np;
  return s;
}

std::size_t Conv2D::scratch_floats(int n) const { return layout(n).total; }

void Conv2D::im2col(const float* x, int n, float* A) const {
  const int M = n * out_.h * out_.w, Kp = kernels::grad_stride_i(fan_in()), C = in_.c;
  const int per_image = out_.h * out_.w;
  for (int p = 0; p < kernels::panel_count(M); ++p) {
    float* a = A + std::size_t(p) * Kp * kPanelRows;
    std::fill(a, a + std::size_t(Kp) * kPanelRows, 0.0f);  // padding rows, columns, borders
    const int rows = std::min(kPanelRows, M - p * kPanelRows);
    for (int r = 0; r < rows; ++r) {
      const int m = p * kPanelRows + r, img = m / per_image;
      const int oy = (m % per_image) / out_.w, ox = m % out_.w;
      const float* xi = x + std::size_t(img) * in_.size();
      for (int ky = 0; ky < kh_; ++ky) {
        const int iy = oy * cfg_.stride - pad_top_ + ky;
        if (iy < 0 || iy >= in_.h) continue;
        for (int kx = 0; kx < kw_; ++kx) {
          const int ix = ox * cfg_.stride - pad_left_ + kx;
          if (ix < 0 || ix >= in_.w) continue;
          const float* src = xi + (std::size_t(iy) * in_.w + ix) * C;
          float* dst = a + std::size_t((ky * kw_ + kx) * C) * kPanelRows + r;
          for (int c = 0; c < C; ++c) dst[std::size_t(c) * kPanelRows] = src[c];
        }
      }
    }
  }
}

void Conv2D::col2im(const float* dA, int n, float* dx) const {
  const int M = n * out_.h * out_.w, Kp = kernels::grad_stride_i(fan_in()), C = in_.c;
  const int per_image = out_.h * out_.w;
  std::fill(dx, dx + in_.size() * n, 0.0f);
  for (int m = 0; m < M; ++m) {
    const float* a = dA + std::size_t(m / kPanelRows) * Kp * kPanelRows + m % kPanelRows;
    const int img = m / per_image, oy = (m % per_image) / out_.w, ox = m % out_.w;
    float* dxi = dx + std::size_t(img) * in_.size();
    for (int ky = 0; ky < kh_; ++ky) {
      const int iy = oy * cfg_.stride - pad_top_ + ky;
      if (iy < 0 || iy >= in_.h) continue;
      for (int kx = 0; kx < kw_; ++kx) {
        const int ix = ox * cfg_.stride - pad_left_ + kx;
        if (ix < 0 || ix >= in_.w) continue;
        float* dst = dxi + (std::size_t(iy) * in_.w + ix) * C;
        const float* src = a + std::size_t((ky * kw_ + kx) * C) * kPanelRows;
        for (int c = 0; c < C; ++c) dst[c] += src[std::size_t(c) * kPanelRows];
      }
    }
  }
}

void Conv2D::forward(const float* params, const float* x, float* y, int n, float* scratch) const {
  forward_with(params, params + kernel_size(), cfg_.activation, x, y, n, scratch);
}

void Conv2D::backward(const float* params, const float* x, const float* y, const float* dy,
                      float* dx, float* dparams, int n, float* scratch) const {
  backward_with(params, x, y, dy, dx, dparams, dparams + kernel_size(), n, scratch);
}

void Conv2D::forward_with(const float* kernel, const float* bias, Activation act, const float* x,
                          float* y, int n, float* scratch) const {
  // y[M][N] = act(A[M][K] · W[K][N] + b),  M = n·oh·ow, K = kh·kw·cin, N = filters
  const ScratchLayout s = layout(n);
  im2col(x, n, scratch + s.a);
  kernels::gemm_rows_out(scratch + s.a, s.M, fan_in(), s.Kp, kernel, filters(), bias,
                         act == Activation::relu, y);
}

void Conv2D::backward_with(const float* kernel, const float*, const float* y, const float* dy,
                           float* dx, float* dkernel, float* dbias, int n, float* scratch) const {
  const ScratchLayout s = layout(n);
  const int K = fan_in(), N = filters();
  float* A = scratch + s.a;  // left by forward_with on this slice
  float* D = scratch + s.d;
  // D = dy ⊙ act'(y);  db += Σ_m D
  kernels::pack_output_grad(dy, y, cfg_.activation == Activation::relu, s.M, N, D, s.Np, dbias);
  // dW[K][N] += Aᵀ · D
  float* dw = scratch + s.dw;
  std::fill(dw, dw + std::size_t(s.Kp) * s.Np, 0.0f);
  kernels::gemm_tn_accumulate(A, s.M, s.Kp, D, s.Np, dw);
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < N; ++j) dkernel[std::size_t(k) * N + j] += dw[std::size_t(k) * s.Np + j];
  if (!dx) return;
  // dA[M][K] = D · Wᵀ, then scatter back onto the input pixels.
  float* wt = scratch + s.wt;
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < N; ++j) wt[std::size_t(j) * K + k] = kernel[std::size_t(k) * N + j];
  kernels::gemm_panels_out(D, s.M, N, s.Np, wt, K, scratch + s.da, s.Kp);
  col2im(scratch + s.da, n, dx);
}

}  // namespace wn
