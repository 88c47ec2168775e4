#include "direct.hpp"

#include <algorithm>
#include <type_traits>

namespace wn::kernels {
namespace {

// Micro-kernels take their tile sizes as template arguments, so the loops over a tile's
// rows and vectors unroll and its accumulators live in registers. with_count turns a
// run-time count (ragged edges have fewer) into one: f(integral_constant<min(n, Max)>), n ≥ 1.
template <int Max, class F>
inline void with_count(int n, F&& f) {
  if constexpr (Max > 1)
    if (n < Max) return with_count<Max - 1>(n, f);
  f(std::integral_constant<int, Max>{});
}

using simd::kLanes;

// f(Count<R>, Count<V>, r0, j0) for every micro-tile of `rows` rows × `vecs` vectors of floats: blocks of
// up to kDirectVecs vectors starting at float j0, each swept by blocks of up to direct_rows(V) rows.
template <class F>
void for_each_tile(int rows, int vecs, F&& f) {
  for (int v0 = 0; v0 < vecs; v0 += kDirectVecs)
    with_count<kDirectVecs>(vecs - v0, [&](auto V) {
      constexpr int max_rows = direct_rows(decltype(V)::value);
      for (int r0 = 0; r0 < rows; r0 += max_rows)
        with_count<max_rows>(rows - r0, [&](auto R) { f(R, V, r0, v0 * kLanes); });
    });
}
using simd::load;
using simd::splat;
using simd::store;
using simd::vfloat;

// acc[r][v] = Σ_k A(r,k)·W[k][v·kLanes …]: R pixels × V channel vectors.
template <int R, int V>
inline void forward_tile(const PixelRows& g, const float* const (&a)[R], const float* W, int ldw, vfloat (&acc)[R][V]) {
  for (int u = 0; u < g.runs; ++u) {
    const std::size_t at = std::size_t(u) * g.run_stride;
    const float* w = W + std::size_t(u) * g.run_len * ldw;
    for (int t = 0; t < g.run_len; ++t, w += ldw) {
      vfloat b[V];
      for (int v = 0; v < V; ++v) b[v] = load(w + v * kLanes);
      for (int r = 0; r < R; ++r) {
        const vfloat s = splat(a[r][at + t]);
        for (int v = 0; v < V; ++v) acc[r][v] += s * b[v];
      }
    }
  }
}

// acc[kk][v] = Σ_r A(r, k0+kk)·D[r][v·kLanes …]: KT taps × V channel vectors over every pixel.
template <int KT, int V>
inline void kernel_grad_tile(const PixelRows& g, const float* A, int r0, int r1, const std::size_t (&tap)[KT],
                             const float* D, int ldd, vfloat (&acc)[KT][V]) {  // ldd: D's row stride
  D += std::size_t(r0) * ldd;
  g.for_each_row(r0, r1, [&](std::size_t row) {
    const float* a = A + row;
    vfloat d[V];
    for (int v = 0; v < V; ++v) d[v] = load(D + v * kLanes);
    for (int kk = 0; kk < KT; ++kk) {
      const vfloat s = splat(a[tap[kk]]);
      for (int v = 0; v < V; ++v) acc[kk][v] += s * d[v];
    }
    D += ldd;
  });
}

// acc[r][v] = Σ_j D[r][j]·Wt[j][v·kLanes …]: R pixels × V vectors of one run's taps.
template <int R, int V>
inline void input_grad_tile(const float* const (&d)[R], int N, const float* wt, int ldt, vfloat (&acc)[R][V]) {
  for (int j = 0; j < N; ++j, wt += ldt) {
    vfloat w[V];
    for (int v = 0; v < V; ++v) w[v] = load(wt + v * kLanes);
    for (int r = 0; r < R; ++r) {
      const vfloat s = splat(d[r][j]);
      for (int v = 0; v < V; ++v) acc[r][v] += s * w[v];
    }
  }
}

}  // namespace

void direct_forward(const PixelRows& g, const float* A, int M, const float* W, int ldw, int N, const float* bias,
                    Fused act, float* Y) {
  for_each_tile(M, (N + kLanes - 1) / kLanes, [&](auto rows, auto vecs, int r0, int j0) {
    constexpr int R = decltype(rows)::value, V = decltype(vecs)::value;
    const float* a[R];
    for (int r = 0; r < R; ++r) a[r] = A + g.row(r0 + r);
    vfloat acc[R][V] = {};
    forward_tile<R, V>(g, a, W + j0, ldw, acc);
    // Fused epilogue: bias and the activation on the way out, no second pass over Y. Whole vectors even
    // at a row's ragged end (conv1's 6 channels): a scalar max there is a data-dependent branch in V8.
    for (int v = 0; v < V; ++v) {
      const int j = j0 + v * kLanes, n = std::min(kLanes, N - j);
      const vfloat b = n == kLanes ? load(bias + j) : simd::load_first(bias + j, n);
      for (int r = 0; r < R; ++r) {
        vfloat z = acc[r][v] + b;
        if (act == Fused::relu) z = simd::relu(z);
        else if (act == Fused::leaky_relu) z = simd::leaky_relu(z, kLeakySlope);
        float* y = Y + std::size_t(r0 + r) * N + j;
        if (n == kLanes)
          store(y, z);
        else
          simd::store_first(y, z, n);
      }
    }
  });
}

namespace {

// D = dy·act'(y) over `size` floats, the activation a compile-time constant: no test per vector in the loop.
template <Fused act>
void output_grad_pass(const float* dy, const float* y, std::size_t size, float* D) {
  const auto grad = [](vfloat y, vfloat dy) {
    if constexpr (act == Fused::relu) return simd::keep_where_positive(y, dy);
    else if constexpr (act == Fused::leaky_relu) return simd::leaky_grad(y, dy, kLeakySlope);
    else return dy;
  };
  std::size_t i = 0;
  for (; i + kLanes <= size; i += kLanes) store(D + i, grad(load(y + i), load(dy + i)));
  if (i < size) {  // the last, partial vector
    const int n = int(size - i);
    simd::store_first(D + i, grad(simd::load_first(y + i, n), simd::load_first(dy + i, n)), n);
  }
}

}  // namespace

void direct_output_grad(const float* dy, const float* y, Fused act, int M, int N, float* D, float* db) {
  // ReLU' is 1 where the output is positive (TensorFlow's convention at 0 is 0): a bit mask, not a
  // branch; leaky ReLU's is a blend of 1 and its slope. One flat pass: D has dy's layout.
  const std::size_t size = std::size_t(M) * N;
  switch (act) {
    case Fused::relu: output_grad_pass<Fused::relu>(dy, y, size, D); break;
    case Fused::leaky_relu: output_grad_pass<Fused::leaky_relu>(dy, y, size, D); break;
    case Fused::none: output_grad_pass<Fused::none>(dy, y, size, D); break;
  }
  std::fill(D + size, D + size + kLanes, 0.0f);
  for (int j = 0; j < N; j += kLanes) {  // the bias gradient: column sums, a vector at a time
    vfloat s{};
    for (int r = 0; r < M; ++r) s += load(D + std::size_t(r) * N + j);
    for (int l = 0; l < kLanes && j + l < N; ++l) db[j + l] += s[l];
  }
}

void direct_kernel_grad(const PixelRows& g, const float* A, int M, const float* D, int N, float* dW, int row_block) {
  const int ldw = vec_stride(N), block = row_block > 0 ? row_block : M;
  for (int r0 = 0; r0 < M; r0 += block)
    for_each_tile(g.taps(), ldw / kLanes, [&](auto taps, auto vecs, int k0, int j0) {
      constexpr int KT = decltype(taps)::value, V = decltype(vecs)::value;
      std::size_t tap[KT];
      for (int kk = 0; kk < KT; ++kk) tap[kk] = g.tap(k0 + kk);
      vfloat acc[KT][V] = {};
      kernel_grad_tile<KT, V>(g, A, r0, std::min(M, r0 + block), tap, D + j0, N, acc);
      for (int kk = 0; kk < KT; ++kk)
        for (int v = 0; v < V; ++v) {
          float* w = dW + std::size_t(k0 + kk) * ldw + j0 + v * kLanes;
          store(w, load(w) + acc[kk][v]);
        }
    });
}

void direct_input_grad(const float* D, int M, int N, const float* Wt, const PixelRows& g, float* dA) {
  const int Lp = vec_stride(g.run_len), ldt = g.runs * Lp;
  for (int u = 0; u < g.runs; ++u)
    for_each_tile(M, Lp / kLanes, [&](auto rows, auto vecs, int r0, int t0) {
      constexpr int R = decltype(rows)::value, V = decltype(vecs)::value;
      const float* d[R];
      for (int r = 0; r < R; ++r) d[r] = D + std::size_t(r0 + r) * N;
      vfloat acc[R][V] = {};
      input_grad_tile<R, V>(d, N, Wt + std::size_t(u) * Lp + t0, ldt, acc);
      // Pixel by pixel, each a load-add-store: neighbouring receptive fields overlap.
      for (int r = 0; r < R; ++r)
        for (int v = 0; v < V; ++v) {
          float* o = dA + g.row(r0 + r) + std::size_t(u) * g.run_stride + t0 + v * kLanes;
          store(o, load(o) + acc[r][v]);
        }
    });
}

}  // namespace wn::kernels
