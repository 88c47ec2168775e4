#pragma once
// Register-blocked matrix products over "panels", the packed layout every fast
// layer works in.
//
// Panel layout of an M×I matrix: ceil(M/kPanelRows) panels; panel p holds rows
// p*kPanelRows … +kPanelRows-1 column by column, element (m, i) at
//   panel[p][i][r] = base[(p*stride_i + i)*kPanelRows + r],  m = p*kPanelRows + r.
// stride_i ≥ I is the padded column count; padding rows and columns are zero.
// A column of a panel is two SIMD vectors, so the kernels vectorise over rows
// (output pixels), which suits this net's narrow outputs (6 and 16 channels).
#include <cstddef>

#include "simd.hpp"

namespace wn::kernels {

constexpr int kPanelRows = 2 * simd::kLanes;  // rows per panel = micro-tile height
constexpr int kTileCols = 6;                   // output columns per forward micro-tile
constexpr int kGradTileI = 3;                  // dW tile: rows of A …
constexpr int kGradTileJ = 4;                  // … by columns of D

inline int panel_count(int m) { return (m + kPanelRows - 1) / kPanelRows; }
inline std::size_t panel_floats(int m, int stride) {
  return std::size_t(panel_count(m)) * stride * kPanelRows;
}
inline int grad_stride_i(int i) { return (i + kGradTileI - 1) / kGradTileI * kGradTileI; }
inline int grad_stride_j(int j) { return (j + kGradTileJ - 1) / kGradTileJ * kGradTileJ; }

// Y[m][j] = act(Σ_i A(m,i)·B[i][j] + bias[j]) for m < M, row-major Y (M×J).
// B is row-major I×J. relu selects max(0, ·) as the activation.
void gemm_rows_out(const float* A, int M, int I, int stride_i, const float* B, int J,
                   const float* bias, bool relu, float* Y);

// C(m, j) = Σ_i A(m,i)·B[i][j], written in panel layout with column stride stride_j.
void gemm_panels_out(const float* A, int M, int I, int stride_i, const float* B, int J,
                     float* C, int stride_j);

// C[i][j] += Σ_m A(m,i)·D(m,j) for i < stride_i, j < stride_j (C is stride_i×stride_j
// row-major). stride_i and stride_j are multiples of kGradTileI / kGradTileJ.
void gemm_tn_accumulate(const float* A, int M, int stride_i, const float* D, int stride_j,
                        float* C);

// Panel-pack a row-major M×J matrix of output gradients: D(m,j) = dy[m][j], masked by
// y > 0 when relu. Adds column sums to db (the bias gradient).
void pack_output_grad(const float* dy, const float* y, bool relu, int M, int J, float* D,
                      int stride_j, float* db);

}  // namespace wn::kernels
