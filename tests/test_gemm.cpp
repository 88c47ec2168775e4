#include <doctest/doctest.h>

#include "gradcheck.hpp"
#include "kernels/gemm.hpp"

using namespace wn;
using namespace wn::kernels;

namespace {
// Row-major M×I → panel layout with column stride `stride`.
std::vector<float> to_panels(const std::vector<float>& a, int M, int I, int stride) {
  std::vector<float> p(panel_floats(M, stride), 0.0f);
  for (int m = 0; m < M; ++m)
    for (int i = 0; i < I; ++i)
      p[(std::size_t(m / kPanelRows) * stride + i) * kPanelRows + m % kPanelRows] = a[std::size_t(m) * I + i];
  return p;
}
std::vector<float> matmul(const std::vector<float>& a, const std::vector<float>& b, int M, int I, int J) {
  std::vector<float> c(std::size_t(M) * J, 0.0f);
  for (int m = 0; m < M; ++m)
    for (int j = 0; j < J; ++j) {
      double s = 0;
      for (int i = 0; i < I; ++i) s += double(a[std::size_t(m) * I + i]) * b[std::size_t(i) * J + j];
      c[std::size_t(m) * J + j] = float(s);
    }
  return c;
}
}  // namespace

TEST_CASE("panel GEMMs match plain loops, including ragged edges") {
  Rng rng(11);
  // Sizes chosen to hit: a partial last panel, column tails of 1..5, I not a tile multiple.
  const int shapes[][3] = {{1, 1, 1}, {7, 5, 3}, {kPanelRows, 75, 6}, {3 * kPanelRows + 5, 150, 16},
                           {33, 400, 120}, {16, 84, 10}, {50, 13, 11}};
  for (auto& s : shapes) {
    const int M = s[0], I = s[1], J = s[2];
    CAPTURE(M);
    CAPTURE(I);
    CAPTURE(J);
    const auto A = test::random_vector(std::size_t(M) * I, rng);
    const auto B = test::random_vector(std::size_t(I) * J, rng);
    const auto bias = test::random_vector(J, rng);
    const int si = grad_stride_i(I), sj = grad_stride_j(J);
    auto Ap = to_panels(A, M, I, si);
    const Packed Av{Ap.data(), si, M};
    auto expect = matmul(A, B, M, I, J);

    std::vector<float> packed(panel_floats(M, si), -1.0f);
    pack_rows(A.data(), M, I, Packed{packed.data(), si, M});
    CHECK(packed == Ap);
    std::vector<float> back(A.size());
    unpack_rows(Av, M, I, back.data());
    CHECK(back == A);

    std::vector<float> Y(std::size_t(M) * J);
    gemm_rows_out(Av, panel_count(M), I, B.data(), J, bias.data(), /*relu=*/true, Y.data());
    std::vector<float> want(expect);
    for (int m = 0; m < M; ++m)
      for (int j = 0; j < J; ++j) want[std::size_t(m) * J + j] = std::max(0.0f, want[std::size_t(m) * J + j] + bias[j]);
    CHECK(test::rel_error(Y, want) < 1e-5);

    std::vector<float> C(panel_floats(M, sj), 0.0f);
    gemm_panels_out(Av, panel_count(M), I, B.data(), J, Packed{C.data(), sj, M}, false);
    CHECK(test::rel_error(C, to_panels(expect, M, J, sj)) < 1e-5);
    gemm_panels_out(Av, panel_count(M), I, B.data(), J, Packed{C.data(), sj, M}, true);  // accumulate: twice
    for (float& e : expect) e *= 2;
    CHECK(test::rel_error(C, to_panels(expect, M, J, sj)) < 1e-5);

    // Aᵀ·D with D = Y: C2[i][j] = Σ_m A[m][i]·D[m][j]
    const auto D = test::random_vector(std::size_t(M) * J, rng);
    std::vector<float> C2(std::size_t(si) * sj, 0.0f);
    auto Dp = to_panels(D, M, J, sj);
    gemm_tn_accumulate(Av, panel_count(M), si, Packed{Dp.data(), sj, M}, C2.data());
    std::vector<float> got(std::size_t(I) * J), ref(std::size_t(I) * J);
    for (int i = 0; i < I; ++i)
      for (int j = 0; j < J; ++j) {
        double acc = 0;
        for (int m = 0; m < M; ++m) acc += double(A[std::size_t(m) * I + i]) * D[std::size_t(m) * J + j];
        ref[std::size_t(i) * J + j] = float(acc);
        got[std::size_t(i) * J + j] = C2[std::size_t(i) * sj + j];
      }
    CHECK(test::rel_error(got, ref) < 1e-5);
  }
}

TEST_CASE("pack_output_grad masks by the ReLU output and sums the bias gradient") {
  const int M = 3, J = 2, sj = grad_stride_j(J);
  const std::vector<float> dy = {1, 2, 3, 4, 5, 6};
  const std::vector<float> y = {0.5f, 0, 0, 2, 1, -1};  // positive where the unit was active
  std::vector<float> D(panel_floats(M, sj), -1.0f), db(J, 0.0f);
  std::vector<float> none;
  const Packed rows{none.data(), 1, M};  // only its row map is used
  pack_output_grad(dy.data(), y.data(), true, rows, panel_count(M), J, Packed{D.data(), sj, M}, db.data());
  CHECK(db[0] == 1 + 5);
  CHECK(db[1] == 4);
  CHECK(D[0 * kPanelRows + 1] == 0);  // (m=1, j=0) masked
  CHECK(D[1 * kPanelRows + 1] == 4);
  CHECK(D[1 * kPanelRows + 5] == 0);  // padding row is zero
}
