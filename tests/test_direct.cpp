#include <doctest/doctest.h>

#include <cmath>

#include "gradcheck.hpp"
#include "kernels/direct.hpp"

using namespace wn;
using namespace wn::kernels;

namespace {
// A stride-s, valid, kh×kw convolution over n images of H×W×C, and its im2col matrix
// built by plain indexing: the oracle for the kernels' in-place reads.
struct Geometry {
  int n, H, W, C, kh, kw, s;
  int oh() const { return (H - kh) / s + 1; }
  int ow() const { return (W - kw) / s + 1; }
  int M() const { return n * oh() * ow(); }
  int K() const { return kh * kw * C; }
  std::vector<int> offsets() const {
    std::vector<int> o;
    for (int y = 0; y < oh(); ++y)
      for (int x = 0; x < ow(); ++x) o.push_back((y * s * W + x * s) * C);
    return o;
  }
  PixelRows rows(const std::vector<int>& offsets) const {
    return {std::size_t(H) * W * C, oh() * ow(), offsets.data(), kh, kw * C, W * C};
  }
  std::size_t at(int r, int k) const {  // A(r, k) in the images
    const int i = r / (oh() * ow()), p = r % (oh() * ow()), oy = p / ow(), ox = p % ow();
    const int ky = k / (kw * C), kx = k / C % kw, c = k % C;
    return ((std::size_t(i) * H + oy * s + ky) * W + ox * s + kx) * C + c;
  }
};
}  // namespace

TEST_CASE("direct kernels match plain loops, including ragged tiles and channel tails") {
  Rng rng(11);
  // Channel counts 1..120 hit every vector tail; pixel counts hit partial row tiles;
  // a 1-pixel image with a whole-image kernel is Dense.
  const Geometry shapes[] = {{1, 1, 1, 1, 1, 1, 1},  {2, 6, 7, 3, 5, 5, 1},   {3, 14, 14, 6, 5, 5, 1},
                             {2, 9, 8, 2, 3, 2, 2},  {5, 1, 1, 400, 1, 1, 1}, {33, 1, 1, 84, 1, 1, 1},
                             {4, 5, 5, 16, 5, 5, 1}};
  for (const Geometry& g : shapes)
    for (int N : {1, 6, 10, 16, 84, 120}) {
      CAPTURE(g.H);
      CAPTURE(g.C);
      CAPTURE(N);
      const int M = g.M(), K = g.K(), ld = vec_stride(N);
      const auto offsets = g.offsets();
      const PixelRows rows = g.rows(offsets);
      REQUIRE(rows.taps() == K);
      const auto x = test::random_vector(std::size_t(g.n) * g.H * g.W * g.C, rng);
      const auto kernel = test::random_vector(std::size_t(K) * N, rng);
      const auto bias = test::random_vector(N, rng);
      std::vector<float> W(std::size_t(K) * ld, 0.0f);
      for (int k = 0; k < K; ++k)
        for (int j = 0; j < N; ++j) W[std::size_t(k) * ld + j] = kernel[std::size_t(k) * N + j];

      // Forward, with bias and ReLU.
      std::vector<float> y(std::size_t(M) * N), want(y.size());
      direct_forward(rows, x.data(), M, W.data(), ld, N, bias.data(), Fused::relu, y.data());
      for (int r = 0; r < M; ++r)
        for (int j = 0; j < N; ++j) {
          double z = bias[j];
          for (int k = 0; k < K; ++k) z += double(x[g.at(r, k)]) * kernel[std::size_t(k) * N + j];
          want[std::size_t(r) * N + j] = std::max(float(z), 0.0f);
        }
      CHECK(test::rel_error(y, want) < 1e-5);

      // Output gradient: masked where y ≤ 0, in dy's layout plus a vector of zeros; bias gradient summed.
      const auto dy = test::random_vector(y.size(), rng);
      std::vector<float> D(std::size_t(M) * N + simd::kLanes, -1.0f), db(N, 0.5f);
      direct_output_grad(dy.data(), y.data(), Fused::relu, M, N, D.data(), db.data());
      for (int j = 0; j < N; ++j) {
        double sum = 0.5;
        for (int r = 0; r < M; ++r) sum += y[std::size_t(r) * N + j] > 0 ? dy[std::size_t(r) * N + j] : 0.0;
        CHECK(db[j] == doctest::Approx(sum).epsilon(1e-5));
      }
      bool layout_ok = true;
      for (std::size_t i = 0; i < D.size(); ++i) layout_ok &= D[i] == (i < y.size() && y[i] > 0 ? dy[i] : 0.0f);
      CHECK(layout_ok);

      // Kernel gradient, accumulated onto what is there; the padding columns are the caller's to drop.
      std::vector<float> dW(std::size_t(K) * ld, 1.0f), got(std::size_t(K) * N), dW_want(got.size());
      direct_kernel_grad(rows, x.data(), M, D.data(), N, dW.data());
      for (int k = 0; k < K; ++k)
        for (int j = 0; j < N; ++j) {
          double sum = 1.0;
          for (int r = 0; r < M; ++r) sum += double(x[g.at(r, k)]) * D[std::size_t(r) * N + j];
          dW_want[std::size_t(k) * N + j] = float(sum);
          got[std::size_t(k) * N + j] = dW[std::size_t(k) * ld + j];
        }
      CHECK(test::rel_error(got, dW_want) < 1e-5);

      // Input gradient: the transposed kernel with zero-padded runs, scattered with overlaps.
      const int run = g.kw * g.C, Lp = vec_stride(run);
      std::vector<float> Wt(std::size_t(N) * g.kh * Lp, 0.0f);
      for (int j = 0; j < N; ++j)
        for (int u = 0; u < g.kh; ++u)
          for (int t = 0; t < run; ++t)
            Wt[(std::size_t(j) * g.kh + u) * Lp + t] = kernel[(std::size_t(u) * run + t) * N + j];
      std::vector<float> dx(x.size() + simd::kLanes, 0.0f), dx_want(x.size() + simd::kLanes, 0.0f);
      direct_input_grad(D.data(), M, N, Wt.data(), rows, dx.data());
      for (int r = 0; r < M; ++r)
        for (int k = 0; k < K; ++k)
          for (int j = 0; j < N; ++j)
            dx_want[g.at(r, k)] += D[std::size_t(r) * N + j] * kernel[std::size_t(k) * N + j];
      CHECK(test::rel_error(dx, dx_want) < 1e-5);  // the slack stays zero too
    }
}

TEST_CASE("the vector ReLU keeps NaN, so a diverged net shows as NaN") {
  const float nan = std::nanf("");
  simd::vfloat v{};
  v[0] = nan;
  if (simd::kLanes > 1) v[1] = -2.0f;
  const simd::vfloat r = simd::relu(v);
  CHECK(std::isnan(r[0]));
  if (simd::kLanes > 1) CHECK(r[1] == 0.0f);

  // Through a layer's forward pass: a NaN input reaches every output channel, those of a row's last,
  // partial vector too (conv1's 6 channels; a full vector and 2 more), which the epilogue stores as a
  // whole vector rather than through a scalar tail.
  const Geometry g{1, 1, 1, 3, 1, 1, 1};  // one pixel, 3 taps
  const auto offsets = g.offsets();
  const std::vector<float> x = {nan, 1.0f, 1.0f};
  for (int N : {6, simd::kLanes + 2}) {
    CAPTURE(N);
    const int ld = vec_stride(N);
    const std::vector<float> W(std::size_t(3) * ld, 0.5f), bias(N, -1.0f);
    std::vector<float> y(N, 0.0f);
    direct_forward(g.rows(offsets), x.data(), 1, W.data(), ld, N, bias.data(), Fused::relu, y.data());
    int nans = 0;
    for (float v : y) nans += std::isnan(v);
    CHECK(nans == N);
  }
}
