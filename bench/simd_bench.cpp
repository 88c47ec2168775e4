// wn-simd-bench: our GCC/Clang vector types (kernels/simd.hpp) against xsimd 8.1, on the same loops.
//   wn-simd-bench [--rounds N]
// The README says why the kernels do not use xsimd; this is the measurement behind it. It is a
// standalone program, run by hand, natively and in node (wn-simd-bench-wasm):
//   node --no-experimental-fetch --no-liftoff build-wasm/wn-simd-bench-wasm.cjs
// xsimd 8.1 has no WebAssembly architecture. In the WASM build its SSE code compiles through
// Emscripten's SSE→simd128 headers (-msimd128 -msse4.2, see cmake/bench.cmake), so both its SSE4.2
// and SSE2 back ends are measured there; natively it is AVX2+FMA, the 8 lanes our kernels use.
//
// Each loop is written twice, (a) with simd.hpp, as the trainer writes it, and (b) with xsimd
// batches, with the same structure, tiles and order of operations:
//   dense:  Dense 400→120 + bias + ReLU, batch 32 — direct_forward's register-blocked micro-kernel
//           (R pixels × V channel vectors of accumulators; a broadcast input scalar times a weight
//           vector, accumulated), on the trainer's largest layer by weights;
//   conv:   the same kernel on a convolution's geometry: 5×5, 6→16 channels, 14×14 input (LeNet's
//           conv2), batch 32: 3,200 output pixels, 150 taps read as 5 runs of 30 floats;
//   relu':  the ReLU gradient mask (direct_output_grad's flat pass), 150,528 floats;
//   adam:   one Adam update of 62,006 parameters. The trainer writes it as a scalar loop that the
//           compiler vectorises (optim/adam.cpp: simd.hpp has no sqrt), so (a) is that loop.
// The trainer's own direct_forward is timed beside (a) and must give the same numbers.
// Times are the best of N rounds (a round: enough calls to take about 5 ms, after a 20 ms warm-up),
// the variants interleaved round by round so that load on the machine hits them alike.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "kernels/direct.hpp"
#include "kernels/simd.hpp"

namespace {

using namespace wn;
using kernels::PixelRows;
using simd::kLanes;

// xsimd's architecture at our kernels' width (batch::size must be simd::kLanes: same tiles).
#if defined(__wasm_simd128__)
#if !XSIMD_WITH_SSE4_2
#error "the WASM build of wn-simd-bench needs -msse4.2 (Emscripten's SSE translation) for xsimd"
#endif
template <class F>
void for_each_xsimd_arch(F&& f) {
  f(xsimd::sse4_2{});
  f(xsimd::sse2{});
}
#elif WN_SIMD_LANES == 8 && XSIMD_WITH_FMA3_AVX2
template <class F>
void for_each_xsimd_arch(F&& f) {
  f(xsimd::fma3<xsimd::avx2>{});
}
#elif WN_SIMD_LANES == 8
template <class F>
void for_each_xsimd_arch(F&& f) {
  f(xsimd::avx{});
}
#else
template <class F>
void for_each_xsimd_arch(F&& f) {
  f(xsimd::sse2{});
}
#endif

// ---------------------------------------------------------------------------------------------
// The register-blocked forward kernel. The driver is shared; each tile (accumulate over every tap,
// then bias + ReLU on the way out) is written once per vocabulary. Tiles are kept out of line so
// that their code can be compared function by function (llvm-objdump -d, objdump -d).
// ---------------------------------------------------------------------------------------------

struct Problem {
  const char* name;
  std::vector<int> offsets;
  PixelRows g;
  int M, N, ldw;
  std::vector<float> A, W, bias;
};

Problem make_problem(const char* name, int batch, int in_h, int in_w, int in_c, int k, int N, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Problem p;
  p.name = name;
  const int out_h = in_h - k + 1, out_w = in_w - k + 1;  // 'valid', stride 1
  for (int oy = 0; oy < out_h; ++oy)
    for (int ox = 0; ox < out_w; ++ox) p.offsets.push_back((oy * in_w + ox) * in_c);
  const std::size_t image = std::size_t(in_h) * in_w * in_c;
  p.g = {image, out_h * out_w, p.offsets.data(), k, k * in_c, in_w * in_c};
  p.M = batch * out_h * out_w;
  p.N = N;
  p.ldw = kernels::vec_stride(N);
  p.A.resize(image * batch);
  p.W.resize(std::size_t(p.g.taps()) * p.ldw);
  p.bias.resize(p.ldw);
  for (float& v : p.A) v = u(rng);
  for (float& v : p.W) v = u(rng) * 0.1f;
  for (float& v : p.bias) v = u(rng) * 0.1f;
  return p;
}

// (a) simd.hpp, as direct.cpp's forward_tile and epilogue.
template <int R, int V>
__attribute__((noinline)) void tile_vt(const PixelRows& g, const float* const (&a)[R], const float* W, int ldw,
                                       const float* bias, float* const (&y)[R]) {
  using simd::vfloat;
  vfloat acc[R][V] = {};
  for (int u = 0; u < g.runs; ++u) {
    const std::size_t at = std::size_t(u) * g.run_stride;
    const float* w = W + std::size_t(u) * g.run_len * ldw;
    for (int t = 0; t < g.run_len; ++t, w += ldw) {
      vfloat b[V];
      for (int v = 0; v < V; ++v) b[v] = simd::load(w + v * kLanes);
      for (int r = 0; r < R; ++r) {
        const vfloat s = simd::splat(a[r][at + t]);
        for (int v = 0; v < V; ++v) acc[r][v] += s * b[v];
      }
    }
  }
  for (int v = 0; v < V; ++v) {
    const vfloat b = simd::load(bias + v * kLanes);
    for (int r = 0; r < R; ++r) simd::store(y[r] + v * kLanes, simd::relu(acc[r][v] + b));
  }
}

// (b) xsimd: batch<float, Arch>, its broadcast constructor, fma and max.
template <class Arch, int R, int V>
__attribute__((noinline)) void tile_xs(const PixelRows& g, const float* const (&a)[R], const float* W, int ldw,
                                       const float* bias, float* const (&y)[R]) {
  using B = xsimd::batch<float, Arch>;
  static_assert(B::size == kLanes, "xsimd's batch must have our vectors' width: same tiles");
  B acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = B(0.0f);
  for (int u = 0; u < g.runs; ++u) {
    const std::size_t at = std::size_t(u) * g.run_stride;
    const float* w = W + std::size_t(u) * g.run_len * ldw;
    for (int t = 0; t < g.run_len; ++t, w += ldw) {
      B b[V];
      for (int v = 0; v < V; ++v) b[v] = B::load_unaligned(w + v * kLanes);
      for (int r = 0; r < R; ++r) {
        const B s(a[r][at + t]);
        for (int v = 0; v < V; ++v) acc[r][v] = xsimd::fma(s, b[v], acc[r][v]);
      }
    }
  }
  for (int v = 0; v < V; ++v) {
    const B b = B::load_unaligned(bias + v * kLanes);
    for (int r = 0; r < R; ++r) xsimd::max(acc[r][v] + b, B(0.0f)).store_unaligned(y[r] + v * kLanes);
  }
}

// direct.cpp's with_count: a run-time count n ≥ 1 as integral_constant<min(n, Max)>.
template <int Max, class F>
inline void with_count(int n, F&& f) {
  if constexpr (Max > 1)
    if (n < Max) return with_count<Max - 1>(n, f);
  f(std::integral_constant<int, Max>{});
}

// direct_forward's tiling: blocks of ≤ kDirectVecs channel vectors, each swept by ≤ direct_rows(V)
// pixels (kDirectAccumulators: 12 natively, 8 in WASM, from the build's WN_DIRECT_ACCUMULATORS).
// N must be whole vectors here (120 and 16 are), so the epilogue has no ragged end.
template <class Tile>
void forward(const Problem& p, float* Y, Tile&& tile) {
  const int vecs = p.N / kLanes;
  for (int v0 = 0; v0 < vecs; v0 += kernels::kDirectVecs)
    with_count<kernels::kDirectVecs>(vecs - v0, [&](auto V) {
      constexpr int max_rows = kernels::direct_rows(decltype(V)::value);
      for (int r0 = 0; r0 < p.M; r0 += max_rows)
        with_count<max_rows>(p.M - r0, [&](auto R) {
          constexpr int Rn = decltype(R)::value;
          const float* a[Rn];
          float* y[Rn];
          for (int r = 0; r < Rn; ++r) {
            a[r] = p.A.data() + p.g.row(r0 + r);
            y[r] = Y + std::size_t(r0 + r) * p.N + v0 * kLanes;
          }
          tile(R, V, a, p.W.data() + v0 * kLanes, p.bias.data() + v0 * kLanes, y);
        });
    });
}

__attribute__((noinline)) void forward_vt(const Problem& p, float* Y) {
  forward(p, Y, [&](auto R, auto V, auto& a, const float* W, const float* b, auto& y) {
    tile_vt<decltype(R)::value, decltype(V)::value>(p.g, a, W, p.ldw, b, y);
  });
}
template <class Arch>
__attribute__((noinline)) void forward_xs(const Problem& p, float* Y) {
  forward(p, Y, [&](auto R, auto V, auto& a, const float* W, const float* b, auto& y) {
    tile_xs<Arch, decltype(R)::value, decltype(V)::value>(p.g, a, W, p.ldw, b, y);
  });
}
void forward_real(const Problem& p, float* Y) {
  kernels::direct_forward(p.g, p.A.data(), p.M, p.W.data(), p.ldw, p.N, p.bias.data(), kernels::Fused::relu, Y);
}

// ---------------------------------------------------------------------------------------------
// Elementwise loops.
// ---------------------------------------------------------------------------------------------

// D = dy where y > 0, else +0. n is whole vectors here.
__attribute__((noinline)) void relu_grad_vt(const float* dy, const float* y, std::size_t n, float* D) {
  for (std::size_t i = 0; i < n; i += kLanes)
    simd::store(D + i, simd::keep_where_positive(simd::load(y + i), simd::load(dy + i)));
}
template <class Arch>
__attribute__((noinline)) void relu_grad_xs(const float* dy, const float* y, std::size_t n, float* D) {
  using B = xsimd::batch<float, Arch>;
  for (std::size_t i = 0; i < n; i += B::size)
    xsimd::select(B::load_unaligned(y + i) > B(0.0f), B::load_unaligned(dy + i), B(0.0f)).store_unaligned(D + i);
}

struct AdamState {
  std::vector<float> p, g, m, v;
};
constexpr float kB1 = 0.9f, kB2 = 0.999f, kEps = 1e-7f, kLr = 1e-3f;

// optim/adam.cpp's loop (the bias correction folded into lr_t).
__attribute__((noinline)) void adam_auto(float* p, const float* g, float* m, float* v, std::size_t n, float lr_t) {
  for (std::size_t i = 0; i < n; ++i) {
    m[i] = kB1 * m[i] + (1.0f - kB1) * g[i];
    v[i] = kB2 * v[i] + (1.0f - kB2) * g[i] * g[i];
    p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + kEps);
  }
}
template <class Arch>
__attribute__((noinline)) void adam_xs(float* p, const float* g, float* m, float* v, std::size_t n, float lr_t) {
  using B = xsimd::batch<float, Arch>;
  const B b1(kB1), c1(1.0f - kB1), b2(kB2), c2(1.0f - kB2), eps(kEps), lr(lr_t);
  std::size_t i = 0;
  for (; i + B::size <= n; i += B::size) {
    const B gi = B::load_unaligned(g + i);
    const B mi = b1 * B::load_unaligned(m + i) + c1 * gi;
    const B vi = b2 * B::load_unaligned(v + i) + c2 * gi * gi;
    mi.store_unaligned(m + i);
    vi.store_unaligned(v + i);
    (B::load_unaligned(p + i) - lr * mi / (xsimd::sqrt(vi) + eps)).store_unaligned(p + i);
  }
  for (; i < n; ++i) {  // the scalar tail
    m[i] = kB1 * m[i] + (1.0f - kB1) * g[i];
    v[i] = kB2 * v[i] + (1.0f - kB2) * g[i] * g[i];
    p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + kEps);
  }
}

// ---------------------------------------------------------------------------------------------
// Timing and checks.
// ---------------------------------------------------------------------------------------------

using Clock = std::chrono::steady_clock;

struct Variant {
  Variant(std::string name, const std::vector<float>* out, std::function<void()> run)
      : name(std::move(name)), out(out), run(std::move(run)) {}
  std::string name;
  const std::vector<float>* out;  // what the check compares, as left by the first call
  std::function<void()> run;
  std::vector<float> first;       // *out after the first call
  int calls = 1;                  // per round
  double best = 1e30;             // ms per call
};

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, double(std::fabs(a[i] - b[i])));
  return d;
}
double checksum(const std::vector<float>& a) {
  double s = 0;
  for (float x : a) s += x;
  return s;
}

// Runs every variant once (the check), then for 20 ms (a warm-up, which sets the calls of a 5 ms round),
// then times `rounds` rounds.
void measure(const char* loop, std::vector<Variant>& vs, int rounds) {
  for (Variant& v : vs) {
    v.run();
    v.first = *v.out;
    const auto t0 = Clock::now();
    int calls = 0;
    do {
      v.run();
      ++calls;
    } while (std::chrono::duration<double, std::milli>(Clock::now() - t0).count() < 20.0);
    v.calls = std::max(1, calls / 4);
  }
  for (int r = 0; r < rounds; ++r)
    for (Variant& v : vs) {
      const auto t0 = Clock::now();
      for (int c = 0; c < v.calls; ++c) v.run();
      v.best = std::min(v.best, std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / v.calls);
    }
  const Variant& base = vs[0];
  for (const Variant& v : vs)
    std::printf("%-6s %-34s %9.4f ms  %6.3fx   checksum %+.6e  max|diff| %.2e\n", loop, v.name.c_str(), v.best,
                v.best / base.best, checksum(v.first), max_abs_diff(v.first, base.first));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 25;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc)
      rounds = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: wn-simd-bench [--rounds N]\n");
      return 2;
    }
  }
  std::printf("vector types: %s, %d lanes, %d accumulators; xsimd %d.%d.%d; best of %d rounds;\n"
              "ratio = time / the first row's (the loop as the trainer writes it); max|diff| against it\n\n",
              simd::name(), kLanes, kernels::kDirectAccumulators, XSIMD_VERSION_MAJOR, XSIMD_VERSION_MINOR,
              XSIMD_VERSION_PATCH, rounds);

  std::mt19937 rng(1);
  const int batch = 32;
  // The dense layer's input is a 1×1×400 image (the flattened 5×5×16), as Dense builds it.
  std::vector<Problem> problems;
  problems.push_back(make_problem("dense", batch, 1, 1, 400, 1, 120, rng));
  problems.push_back(make_problem("conv", batch, 14, 14, 6, 5, 16, rng));
  for (const Problem& prob : problems) {
    const Problem* p = &prob;
    std::vector<std::vector<float>> outs(4, std::vector<float>(std::size_t(p->M) * p->N));
    std::vector<Variant> vs;
    float* o0 = outs[0].data();
    float* o1 = outs[1].data();
    vs.push_back({"vector types (simd.hpp)", &outs[0], [p, o0] { forward_vt(*p, o0); }});
    vs.push_back({"direct_forward (the trainer's)", &outs[1], [p, o1] { forward_real(*p, o1); }});
    for_each_xsimd_arch([&](auto arch) {
      using Arch = decltype(arch);
      float* o = outs[vs.size()].data();
      vs.push_back({std::string("xsimd batch<float, ") + Arch::name() + ">", &outs[vs.size()],
                    [p, o] { forward_xs<Arch>(*p, o); }});
    });
    measure(p->name, vs, rounds);
  }

  {  // relu': conv1's output gradient at batch 32 (28×28×6 per image)
    const std::size_t n = std::size_t(batch) * 28 * 28 * 6;
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> dy_(n), y_(n);
    for (std::size_t i = 0; i < n; ++i) dy_[i] = u(rng), y_[i] = u(rng);
    const float *dy = dy_.data(), *y = y_.data();
    std::vector<std::vector<float>> outs(3, std::vector<float>(n));
    std::vector<Variant> vs;
    float* o0 = outs[0].data();
    vs.push_back({"vector types (simd.hpp)", &outs[0], [=] { relu_grad_vt(dy, y, n, o0); }});
    for_each_xsimd_arch([&](auto arch) {
      using Arch = decltype(arch);
      float* o = outs[vs.size()].data();
      vs.push_back({std::string("xsimd batch<float, ") + Arch::name() + ">", &outs[vs.size()],
                    [=] { relu_grad_xs<Arch>(dy, y, n, o); }});
    });
    measure("relu'", vs, rounds);
  }

  {  // adam: LeNet's 62,006 parameters. Each variant updates its own copy of one state; the check
     // is the first step (from the same state), the timing goes on updating.
    const std::size_t n = 62006;
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    AdamState s0{std::vector<float>(n), std::vector<float>(n), std::vector<float>(n), std::vector<float>(n)};
    for (std::size_t i = 0; i < n; ++i) s0.p[i] = u(rng), s0.g[i] = 0.1f * u(rng);
    std::vector<AdamState> st(3, s0);
    const float lr_t = kLr * std::sqrt(1.0f - kB2) / (1.0f - kB1);  // step 1's
    std::vector<Variant> vs;
    AdamState* s = &st[0];
    vs.push_back({"auto-vectorised loop (adam.cpp)", &s->p,
                  [=] { adam_auto(s->p.data(), s->g.data(), s->m.data(), s->v.data(), n, lr_t); }});
    for_each_xsimd_arch([&](auto arch) {
      using Arch = decltype(arch);
      AdamState* a = &st[vs.size()];
      vs.push_back({std::string("xsimd batch<float, ") + Arch::name() + ">", &a->p,
                    [=] { adam_xs<Arch>(a->p.data(), a->g.data(), a->m.data(), a->v.data(), n, lr_t); }});
    });
    measure("adam", vs, rounds);
  }
  return 0;
}
