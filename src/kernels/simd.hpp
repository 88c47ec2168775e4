#pragma once
// One SIMD vocabulary for every build. GCC/Clang vector types lower to SSE/AVX
// natively and to simd128 under `-msimd128` in WebAssembly, so each kernel has a
// single source. (xsimd 8.1 has no WebAssembly back end; see README.)
#include <cstdint>
#include <cstring>

#if defined(__AVX__)
#define WN_SIMD_LANES 8
#else
#define WN_SIMD_LANES 4
#endif

namespace wn::simd {

constexpr int kLanes = WN_SIMD_LANES;
typedef float vfloat __attribute__((vector_size(WN_SIMD_LANES * sizeof(float))));

// memcpy keeps loads/stores alignment-agnostic (movups / v128.load).
inline vfloat load(const float* p) {
  vfloat v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, vfloat v) { std::memcpy(p, &v, sizeof v); }
// The first n lanes (0 ≤ n ≤ kLanes), for the last vector of a row; the lanes past n load as 0.
inline vfloat load_first(const float* p, int n) {
  vfloat v{};
  for (int i = 0; i < n; ++i) v[i] = p[i];
  return v;
}
inline void store_first(float* p, vfloat v, int n) {
  for (int i = 0; i < n; ++i) p[i] = v[i];
}
// x − 0 is exactly x for every x (−0 included), so compilers fold it to a bare broadcast;
// 0 + x is not (0 + −0 = +0), and costs an add and a shuffle per splat in the kernels.
inline vfloat splat(float x) { return x - vfloat{}; }

// v where keep, else +0, without a branch or floating-point arithmetic. ReLU masks are random
// (half the units are off): a branch mispredicts, and compilers turn `v * float(keep)` back
// into one. A bit mask also never touches the value, so denormal gradients cost nothing.
inline float keep_if(bool keep, float v) {
  std::uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits &= 0u - std::uint32_t(keep);
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

// The same for whole vectors: v where y > 0, else +0 (a compare gives the lane mask).
typedef std::int32_t vint __attribute__((vector_size(WN_SIMD_LANES * sizeof(std::int32_t))));
inline vfloat keep_where_positive(vfloat y, vfloat v) {
  const vint keep = y > vfloat{};
  return (vfloat)((vint)v & keep);
}
// max(v, 0) lane-wise, keeping NaN (as std::max(v, 0.0f) does), so a diverged net shows as NaN.
inline vfloat relu(vfloat v) { return (vfloat)((vint)v & ~(v <= vfloat{})); }
// max(v, slope·v) lane-wise as std::max(v, slope·v) computes it ((v < slope·v) ? slope·v : v), NaN kept:
// leaky ReLU for 0 < slope < 1.
inline vfloat leaky_relu(vfloat v, float slope) {
  const vfloat s = v * slope;
  const vint less = v < s;
  return (vfloat)(((vint)s & less) | ((vint)v & ~less));
}
// dy·(y > 0 ? 1 : slope) lane-wise: leaky ReLU's derivative, read from its output.
inline vfloat leaky_grad(vfloat y, vfloat dy, float slope) {
  const vint pos = y > vfloat{};
  const vfloat one = splat(1.0f), s = splat(slope);
  return dy * (vfloat)(((vint)one & pos) | ((vint)s & ~pos));
}
// a where mask, else b, lane-wise (mask lanes all ones or all zeros, as compares give).
inline vfloat select(vint mask, vfloat a, vfloat b) { return (vfloat)(((vint)a & mask) | ((vint)b & ~mask)); }

// What the build is using, for status lines and benchmarks.
inline const char* name() {
#if defined(__wasm_simd128__)
  return "wasm-simd128";
#elif defined(__AVX512F__)
  return "avx512 (8-lane kernels)";
#elif defined(__AVX__)
  return "avx";
#elif defined(__SSE2__)
  return "sse2";
#else
  return "scalar vectors";
#endif
}

}  // namespace wn::simd
