#pragma once
// Register-blocked matrix products over "panels", the layout every fast layer works in.
//
// The left operand A (M×I) is read in panels of kPanelRows rows: for panel p and
// column i, the kPanelRows values A(p·kPanelRows + r, i), r = 0…kPanelRows−1, are
// contiguous at panel(p) + offset(i). The kernels therefore vectorise over rows
// (output pixels), which suits this net's narrow outputs (6 and 16 channels).
// Two sources provide that access:
//   Packed     a panel-packed copy (Dense: the batch rows, transposed into panels);
//   ImageView  a stride-1 convolution's taps read in place from its channel-planar
//              input: consecutive output pixels of a row read consecutive input pixels,
//              so no im2col matrix is ever built.
// Each source also says which output row a panel row is (−1: padding, not stored;
// the matching rows of the gradient D are zero, so they add nothing to dW or dx).
#include <cstddef>

#include "simd.hpp"

namespace wn::kernels {

constexpr int kPanelRows = 2 * simd::kLanes;  // rows per panel = micro-tile height
#ifndef WN_TILE_COLS
#define WN_TILE_COLS 6
#endif
constexpr int kTileCols = WN_TILE_COLS;         // output columns per forward micro-tile
static_assert(kTileCols >= 1 && kTileCols <= 6, "gemm.cpp has micro-kernels for 1 to 6 columns");
constexpr int kGradTileI = 4;                  // dW tile: columns of A …
constexpr int kGradTileJ = 3;                  // … by columns of D (3 divides 6, 84, 120)

inline int panel_count(int m) { return (m + kPanelRows - 1) / kPanelRows; }
inline std::size_t panel_floats(int m, int stride) {
  return std::size_t(panel_count(m)) * stride * kPanelRows;
}
inline int grad_stride_i(int i) { return (i + kGradTileI - 1) / kGradTileI * kGradTileI; }
inline int grad_stride_j(int j) { return (j + kGradTileJ - 1) / kGradTileJ * kGradTileJ; }

// Panel-packed M×stride matrix; rows ≥ M are padding.
struct Packed {
  float* base;
  int stride;  // columns, padded
  int M;
  float* panel(int p) const { return base + std::size_t(p) * stride * kPanelRows; }
  std::size_t offset(int i) const { return std::size_t(i) * kPanelRows; }
  // Output row of each of panel p's rows, −1 for padding.
  void rows(int p, int* out) const {
    for (int r = 0; r < kPanelRows; ++r) out[r] = p * kPanelRows + r < M ? p * kPanelRows + r : -1;
  }
  // f(p, panel(p)) for p < panels, in order.
  template <class F>
  void for_each_panel(int panels, F&& f) const {
    for (int p = 0; p < panels; ++p) f(p, panel(p));
  }
};

// A stride-1 convolution over a channel-planar, zero-padded image batch. Panel p covers
// flat positions q = (p mod P)·kPanelRows + r of image p div P, where q = y·width + x
// over the padded width; column i = tap (ky, kx, c) reads at q + tap_offset[i].
struct ImageView {
  float* base;
  std::size_t image_floats;  // one image, all channels, padded
  int panels_per_image;      // P
  const int* tap_offset;     // per column i (padded columns point anywhere finite)
  const int* row_of;         // per q < P·kPanelRows: output row within the image, or −1
  int rows_per_image;        // output rows (oh·ow) per image
  float* panel(int p) const {
    return base + std::size_t(p / panels_per_image) * image_floats + std::size_t(p % panels_per_image) * kPanelRows;
  }
  std::size_t offset(int i) const { return std::size_t(tap_offset[i]); }
  void rows(int p, int* out) const {
    const int* q = row_of + (p % panels_per_image) * kPanelRows;
    const int first = (p / panels_per_image) * rows_per_image;
    for (int r = 0; r < kPanelRows; ++r) out[r] = q[r] < 0 ? -1 : first + q[r];
  }
  // f(p, panel(p)) for p < panels, in order, without a division per panel.
  template <class F>
  void for_each_panel(int panels, F&& f) const {
    int p = 0;
    for (const float* image = base; p < panels; image += image_floats)
      for (int k = 0; k < panels_per_image && p < panels; ++k, ++p) f(p, image + std::size_t(k) * kPanelRows);
  }
};

// Y[row(p,r)][j] = act(Σ_i A(p,r,i)·B[i][j] + bias[j]); B is row-major I×J; relu selects max(0,·).
template <class Source>
void gemm_rows_out(const Source& A, int panels, int I, const float* B, int J, const float* bias, bool relu, float* Y);

// out(p, r, j) (+)= Σ_i D(p,r,i)·B[i][j], written at out.panel(p) + out.offset(j) + r.
template <class Target>
void gemm_panels_out(const Packed& D, int panels, int I, const float* B, int J, const Target& out, bool accumulate);

// C[i][j] += Σ_{p,r} A(p,r,i)·D(p,r,j) for i < stride_i, j < D.stride (C is stride_i × D.stride,
// row-major). stride_i and D.stride are multiples of kGradTileI / kGradTileJ.
template <class Source>
void gemm_tn_accumulate(const Source& A, int panels, int stride_i, const Packed& D, float* C);

// D(p,r,j) = dy[row][j] (masked by y > 0 when relu) for the rows `rows` maps, 0 elsewhere;
// adds the column sums to db (the bias gradient).
template <class Source>
void pack_output_grad(const float* dy, const float* y, bool relu, const Source& rows, int panels, int J,
                      const Packed& D, float* db);

// Row-major M×I ↔ Packed (stride ≥ I; padding columns are zeroed).
void pack_rows(const float* x, int M, int I, const Packed& out);
void unpack_rows(const Packed& in, int M, int I, float* x);

}  // namespace wn::kernels
