#pragma once
// Plain loops for convolution: the oracle the fast kernels (src/kernels/direct.hpp) are tested
// against (test_conv2d.cpp). Written for reading, not speed.
//   x  [n][H][W][C]        kernel [kh][kw][C][F]      y [n][OH][OW][F]
#include <algorithm>
#include <vector>

#include "tensor.hpp"

namespace wn::reference {

struct ConvGeometry {
  Shape in, out;
  int kh, kw, stride, pad_top, pad_left;
};

// y = conv(x, kernel) + bias, then ReLU if relu.
inline void conv2d_forward(const ConvGeometry& g, const float* x, const float* kernel, const float* bias,
                           bool relu, float* y, int n) {
  const int C = g.in.c, F = g.out.c;
  for (int i = 0; i < n; ++i)
    for (int oy = 0; oy < g.out.h; ++oy)
      for (int ox = 0; ox < g.out.w; ++ox)
        for (int f = 0; f < F; ++f) {
          double acc = bias[f];
          for (int ky = 0; ky < g.kh; ++ky)
            for (int kx = 0; kx < g.kw; ++kx) {
              const int iy = oy * g.stride - g.pad_top + ky, ix = ox * g.stride - g.pad_left + kx;
              if (iy < 0 || iy >= g.in.h || ix < 0 || ix >= g.in.w) continue;
              for (int c = 0; c < C; ++c)
                acc += double(x[((std::size_t(i) * g.in.h + iy) * g.in.w + ix) * C + c]) *
                       kernel[((std::size_t(ky) * g.kw + kx) * C + c) * F + f];
            }
          float v = float(acc);
          if (relu) v = std::max(v, 0.0f);
          y[((std::size_t(i) * g.out.h + oy) * g.out.w + ox) * F + f] = v;
        }
}

// Given dy (already through the activation's derivative): dx = conv_transpose(dy),
// dkernel = Σ x ⊗ dy, dbias = Σ dy. Outputs are overwritten.
inline void conv2d_backward(const ConvGeometry& g, const float* x, const float* kernel, const float* dy,
                            float* dx, float* dkernel, float* dbias, int n) {
  const int C = g.in.c, F = g.out.c;
  std::vector<double> dxs(g.in.size() * n, 0.0), dks(std::size_t(g.kh) * g.kw * C * F, 0.0), dbs(F, 0.0);
  for (int i = 0; i < n; ++i)
    for (int oy = 0; oy < g.out.h; ++oy)
      for (int ox = 0; ox < g.out.w; ++ox)
        for (int f = 0; f < F; ++f) {
          const double d = dy[((std::size_t(i) * g.out.h + oy) * g.out.w + ox) * F + f];
          dbs[f] += d;
          for (int ky = 0; ky < g.kh; ++ky)
            for (int kx = 0; kx < g.kw; ++kx) {
              const int iy = oy * g.stride - g.pad_top + ky, ix = ox * g.stride - g.pad_left + kx;
              if (iy < 0 || iy >= g.in.h || ix < 0 || ix >= g.in.w) continue;
              for (int c = 0; c < C; ++c) {
                const std::size_t xi = ((std::size_t(i) * g.in.h + iy) * g.in.w + ix) * C + c;
                const std::size_t ki = ((std::size_t(ky) * g.kw + kx) * C + c) * F + f;
                dxs[xi] += d * kernel[ki];
                dks[ki] += d * x[xi];
              }
            }
        }
  std::copy(dxs.begin(), dxs.end(), dx);
  std::copy(dks.begin(), dks.end(), dkernel);
  std::copy(dbs.begin(), dbs.end(), dbias);
}

}  // namespace wn::reference
