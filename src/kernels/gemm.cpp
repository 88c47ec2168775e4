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

// One kPanelRows × NR tile: acc[c][h] holds rows h·kLanes … of output column c.
template <int NR>
struct Tile {
  static constexpr int cols = NR;
  vfloat acc[NR][2];
};

template <int NR, class Source>
inline Tile<NR> micro_kernel(const Source& A, const float* a, int I, const float* b, int ldb) {
  Tile<NR> t{};
  for (int i = 0; i < I; ++i) {
    const float* ai = a + A.offset(i);
    const vfloat a0 = load(ai), a1 = load(ai + kLanes);
    const float* bi = b + std::size_t(i) * ldb;
    for (int c = 0; c < NR; ++c) {
      const vfloat bc = splat(bi[c]);
      t.acc[c][0] += a0 * bc;
      t.acc[c][1] += a1 * bc;
    }
  }
  return t;
}

// Runs the micro-kernel over every panel and column block; `store(p, j0, tile)` writes
// each finished tile. NR is a template argument so the column loop unrolls.
template <class Source, class Store>
void for_each_tile(const Source& A, int panels, int I, const float* B, int J, Store&& store_tile) {
  for (int p = 0; p < panels; ++p) {
    const float* a = A.panel(p);
    for (int j0 = 0; j0 < J; j0 += kTileCols) {
      const float* b = B + j0;
      switch (std::min(kTileCols, J - j0)) {
        case 6: store_tile(p, j0, micro_kernel<6>(A, a, I, b, J)); break;
        case 5: store_tile(p, j0, micro_kernel<5>(A, a, I, b, J)); break;
        case 4: store_tile(p, j0, micro_kernel<4>(A, a, I, b, J)); break;
        case 3: store_tile(p, j0, micro_kernel<3>(A, a, I, b, J)); break;
        case 2: store_tile(p, j0, micro_kernel<2>(A, a, I, b, J)); break;
        default: store_tile(p, j0, micro_kernel<1>(A, a, I, b, J)); break;
      }
    }
  }
}

}  // namespace

template <class Source>
void gemm_rows_out(const Source& A, int panels, int I, const float* B, int J, const float* bias, bool relu, float* Y) {
  for_each_tile(A, panels, I, B, J, [&](int p, int j0, const auto& t) {
    constexpr int nr = std::decay_t<decltype(t)>::cols;
    int rows[kPanelRows];
    A.rows(p, rows);
    for (int r = 0; r < kPanelRows; ++r) {
      if (rows[r] < 0) continue;
      float* y = Y + std::size_t(rows[r]) * J + j0;
      for (int c = 0; c < nr; ++c) {
        const float v = t.acc[c][r / kLanes][r % kLanes] + bias[j0 + c];
        y[c] = relu ? std::max(v, 0.0f) : v;  // fused epilogue: no second pass over Y
      }
    }
  });
}

template <class Target>
void gemm_panels_out(const Packed& D, int panels, int I, const float* B, int J, const Target& out, bool accumulate) {
  for_each_tile(D, panels, I, B, J, [&](int p, int j0, const auto& t) {
    constexpr int nr = std::decay_t<decltype(t)>::cols;
    float* o = out.panel(p);
    // Columns in order, each a load-add-store: in an ImageView neighbouring taps overlap.
    for (int c = 0; c < nr; ++c) {
      float* oc = o + out.offset(j0 + c);
      if (accumulate) {
        store(oc, load(oc) + t.acc[c][0]);
        store(oc + kLanes, load(oc + kLanes) + t.acc[c][1]);
      } else {
        store(oc, t.acc[c][0]);
        store(oc + kLanes, t.acc[c][1]);
      }
    }
  });
}

template <class Source>
void gemm_tn_accumulate(const Source& A, int panels, int stride_i, const Packed& D, float* C) {
  // Each (i, j) tile sweeps every panel with its accumulators in registers; lanes hold
  // partial sums over rows and are added up once at the end.
  const int stride_j = D.stride;
  for (int i0 = 0; i0 < stride_i; i0 += kGradTileI) {
    for (int j0 = 0; j0 < stride_j; j0 += kGradTileJ) {
      vfloat acc[kGradTileI][kGradTileJ] = {};
      std::size_t ao[kGradTileI];
      for (int ti = 0; ti < kGradTileI; ++ti) ao[ti] = A.offset(i0 + ti);
      const float* d = D.panel(0) + D.offset(j0);
      A.for_each_panel(panels, [&](int, const float* a) {
        for (int h = 0; h < kPanelRows; h += kLanes) {
          vfloat dv[kGradTileJ];
          for (int tj = 0; tj < kGradTileJ; ++tj) dv[tj] = load(d + tj * kPanelRows + h);
          for (int ti = 0; ti < kGradTileI; ++ti) {
            const vfloat av = load(a + ao[ti] + h);
            for (int tj = 0; tj < kGradTileJ; ++tj) acc[ti][tj] += av * dv[tj];
          }
        }
        d += std::size_t(D.stride) * kPanelRows;
      });
      for (int ti = 0; ti < kGradTileI; ++ti)
        for (int tj = 0; tj < kGradTileJ; ++tj) C[std::size_t(i0 + ti) * stride_j + j0 + tj] += simd::sum(acc[ti][tj]);
    }
  }
}

template <class Source>
void pack_output_grad(const float* dy, const float* y, bool relu, const Source& rows, int panels, int J,
                      const Packed& D, float* db) {
  for (int p = 0; p < panels; ++p) {
    float* d = D.panel(p);
    int map[kPanelRows];
    rows.rows(p, map);
    // Each element written once: gradients where a row maps to an output, zeros elsewhere
    // (padding rows, and the padding columns J..stride the kernel-gradient tiles read).
    for (int r = 0; r < kPanelRows; ++r) {
      int j = 0;
      if (map[r] >= 0) {
        const float* dyr = dy + std::size_t(map[r]) * J;
        const float* yr = y + std::size_t(map[r]) * J;
        // ReLU' is 1 where the output is positive (TensorFlow's convention at 0 is 0).
        if (relu)
          for (; j < J; ++j) d[j * kPanelRows + r] = simd::keep_if(yr[j] > 0.0f, dyr[j]);
        else
          for (; j < J; ++j) d[j * kPanelRows + r] = dyr[j];
      }
      for (; j < D.stride; ++j) d[j * kPanelRows + r] = 0.0f;
    }
    for (int j = 0; j < J; ++j)  // the bias gradient: column sums, a vector at a time
      db[j] += simd::sum(load(d + j * kPanelRows) + load(d + j * kPanelRows + kLanes));
  }
}

void pack_rows(const float* x, int M, int I, const Packed& out) {
  for (int p = 0; p < panel_count(M); ++p) {
    float* a = out.panel(p);
    std::fill(a, a + std::size_t(out.stride) * kPanelRows, 0.0f);
    for (int r = 0; r < kPanelRows && p * kPanelRows + r < M; ++r) {
      const float* xr = x + std::size_t(p * kPanelRows + r) * I;
      for (int i = 0; i < I; ++i) a[i * kPanelRows + r] = xr[i];
    }
  }
}

void unpack_rows(const Packed& in, int M, int I, float* x) {
  for (int m = 0; m < M; ++m) {
    const float* a = in.panel(m / kPanelRows) + m % kPanelRows;
    for (int i = 0; i < I; ++i) x[std::size_t(m) * I + i] = a[i * kPanelRows];
  }
}

template void gemm_rows_out(const Packed&, int, int, const float*, int, const float*, bool, float*);
template void gemm_rows_out(const ImageView&, int, int, const float*, int, const float*, bool, float*);
template void gemm_panels_out(const Packed&, int, int, const float*, int, const Packed&, bool);
template void gemm_panels_out(const Packed&, int, int, const float*, int, const ImageView&, bool);
template void gemm_tn_accumulate(const Packed&, int, int, const Packed&, float*);
template void gemm_tn_accumulate(const ImageView&, int, int, const Packed&, float*);
template void pack_output_grad(const float*, const float*, bool, const Packed&, int, int, const Packed&, float*);
template void pack_output_grad(const float*, const float*, bool, const ImageView&, int, int, const Packed&, float*);

}  // namespace wn::kernels
