#include "gemm.hpp"

#include <algorithm>
#include <type_traits>

namespace wn::kernels {
namespace {

using simd::kLanes;
using simd::load;
using simd::splat;
using simd::store;
using simd::vfloat;

// One kPanelRows × NR tile: acc[c][h] holds rows h*kLanes … of output column c.
template <int NR>
struct Tile {
  static constexpr int cols = NR;
  vfloat acc[NR][2];
};

template <int NR>
inline Tile<NR> micro_kernel(const float* a, int I, const float* b, int ldb) {
  Tile<NR> t{};
  for (int i = 0; i < I; ++i) {
    const vfloat a0 = load(a + i * kPanelRows);
    const vfloat a1 = load(a + i * kPanelRows + kLanes);
    const float* bi = b + std::size_t(i) * ldb;
    for (int c = 0; c < NR; ++c) {
      const vfloat bc = splat(bi[c]);
      t.acc[c][0] += a0 * bc;
      t.acc[c][1] += a1 * bc;
    }
  }
  return t;
}

// Runs the micro-kernel over every panel and column block; `store(p, j0, tile)`
// writes each finished tile. NR is a template argument so the column loop unrolls.
template <class Store>
void for_each_tile(const float* A, int M, int I, int stride_i, const float* B, int J,
                   Store&& store_tile) {
  const int panels = panel_count(M);
  for (int p = 0; p < panels; ++p) {
    const float* a = A + std::size_t(p) * stride_i * kPanelRows;
    for (int j0 = 0; j0 < J; j0 += kTileCols) {
      const float* b = B + j0;
      switch (std::min(kTileCols, J - j0)) {
        case 6: store_tile(p, j0, micro_kernel<6>(a, I, b, J)); break;
        case 5: store_tile(p, j0, micro_kernel<5>(a, I, b, J)); break;
        case 4: store_tile(p, j0, micro_kernel<4>(a, I, b, J)); break;
        case 3: store_tile(p, j0, micro_kernel<3>(a, I, b, J)); break;
        case 2: store_tile(p, j0, micro_kernel<2>(a, I, b, J)); break;
        default: store_tile(p, j0, micro_kernel<1>(a, I, b, J)); break;
      }
    }
  }
}

}  // namespace

void gemm_rows_out(const float* A, int M, int I, int stride_i, const float* B, int J,
                   const float* bias, bool relu, float* Y) {
  for_each_tile(A, M, I, stride_i, B, J, [&](int p, int j0, const auto& t) {
    constexpr int nr = std::decay_t<decltype(t)>::cols;
    const int rows = std::min(kPanelRows, M - p * kPanelRows);
    float* y = Y + std::size_t(p) * kPanelRows * J + j0;
    for (int c = 0; c < nr; ++c) {
      const float bc = bias[j0 + c];
      for (int r = 0; r < rows; ++r) {
        float v = t.acc[c][r / kLanes][r % kLanes] + bc;
        if (relu) v = std::max(v, 0.0f);  // fused epilogue: no second pass over Y
        y[std::size_t(r) * J + c] = v;
      }
    }
  });
}

void gemm_panels_out(const float* A, int M, int I, int stride_i, const float* B, int J,
                     float* C, int stride_j) {
  for_each_tile(A, M, I, stride_i, B, J, [&](int p, int j0, const auto& t) {
    constexpr int nr = std::decay_t<decltype(t)>::cols;
    float* c = C + (std::size_t(p) * stride_j + j0) * kPanelRows;
    for (int k = 0; k < nr; ++k) {
      store(c + k * kPanelRows, t.acc[k][0]);
      store(c + k * kPanelRows + kLanes, t.acc[k][1]);
    }
  });
}

void gemm_tn_accumulate(const float* A, int M, int stride_i, const float* D, int stride_j,
                        float* C) {
  // Each (i, j) tile sweeps every panel with its accumulators in registers; lanes
  // hold partial sums over rows and are added up once at the end.
  const int panels = panel_count(M);
  for (int i0 = 0; i0 < stride_i; i0 += kGradTileI) {
    for (int j0 = 0; j0 < stride_j; j0 += kGradTileJ) {
      vfloat acc[kGradTileI][kGradTileJ] = {};
      for (int p = 0; p < panels; ++p) {
        const float* a = A + (std::size_t(p) * stride_i + i0) * kPanelRows;
        const float* d = D + (std::size_t(p) * stride_j + j0) * kPanelRows;
        for (int h = 0; h < kPanelRows; h += kLanes) {
          vfloat dv[kGradTileJ];
          for (int tj = 0; tj < kGradTileJ; ++tj) dv[tj] = load(d + tj * kPanelRows + h);
          for (int ti = 0; ti < kGradTileI; ++ti) {
            const vfloat av = load(a + ti * kPanelRows + h);
            for (int tj = 0; tj < kGradTileJ; ++tj) acc[ti][tj] += av * dv[tj];
          }
        }
      }
      for (int ti = 0; ti < kGradTileI; ++ti)
        for (int tj = 0; tj < kGradTileJ; ++tj)
          C[std::size_t(i0 + ti) * stride_j + j0 + tj] += simd::sum(acc[ti][tj]);
    }
  }
}

void pack_output_grad(const float* dy, const float* y, bool relu, int M, int J, float* D,
                      int stride_j, float* db) {
  const int panels = panel_count(M);
  for (int p = 0; p < panels; ++p) {
    float* d = D + std::size_t(p) * stride_j * kPanelRows;
    const int rows = std::min(kPanelRows, M - p * kPanelRows);
    std::fill(d, d + std::size_t(stride_j) * kPanelRows, 0.0f);
    for (int r = 0; r < rows; ++r) {
      const std::size_t m = std::size_t(p) * kPanelRows + r;
      const float* dym = dy + m * J;
      const float* ym = y + m * J;
      for (int j = 0; j < J; ++j) {
        // ReLU' is 1 where the output is positive (TF's convention at 0 is 0).
        const float g = (!relu || ym[j] > 0.0f) ? dym[j] : 0.0f;
        d[j * kPanelRows + r] = g;
        db[j] += g;
      }
    }
  }
}

}  // namespace wn::kernels
