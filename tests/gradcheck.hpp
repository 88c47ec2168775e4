#pragma once
// Finite-difference gradient checks (as tiny-dnn and ggml's test-grad0 do). The
// scalar checked is L = Σ r ⊙ y for a fixed random r, so ∂L/∂y = r.
#include <algorithm>
#include <cmath>
#include <vector>

#include "layers/layer.hpp"
#include "rng.hpp"

namespace wn::test {

inline std::vector<float> random_vector(std::size_t n, Rng& rng, float lo = -1, float hi = 1) {
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(lo, hi);
  return v;
}

// Normwise relative error: max|a − b| / max(max|b|, floor).
inline double rel_error(const std::vector<float>& a, const std::vector<float>& b, double floor = 1e-3) {
  double diff = 0, scale = floor;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, double(std::abs(a[i] - b[i])));
    scale = std::max(scale, double(std::abs(b[i])));
  }
  return diff / scale;
}

struct GradCheck {
  double dx = 0, dparams = 0;  // relative errors
};

struct LayerRun {
  Layer& layer;
  int n;
  std::vector<float> scratch;
  LayerRun(Layer& l, int n_) : layer(l), n(n_), scratch(l.scratch_floats(n_) + 1) {}
  std::vector<float> forward(std::vector<float>& params, const std::vector<float>& x) {
    layer.prepare(params.data());
    std::vector<float> y(layer.output_shape().size() * n);
    layer.forward(params.data(), x.data(), y.data(), n, scratch.data());
    return y;
  }
  double objective(std::vector<float>& params, const std::vector<float>& x, const std::vector<float>& r) {
    const std::vector<float> y = forward(params, x);
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += double(r[i]) * y[i];
    return s;
  }
};

inline GradCheck check_gradients(Layer& layer, std::vector<float> params, std::vector<float> x, int n,
                                 std::uint64_t seed = 7, float eps = 1e-2f) {
  Rng rng(seed);
  LayerRun run(layer, n);
  const std::vector<float> r = random_vector(layer.output_shape().size() * n, rng);

  // Analytic.
  const std::vector<float> y = run.forward(params, x);
  std::vector<float> dx(x.size()), dp(params.size(), 0.0f);
  layer.backward(params.data(), x.data(), y.data(), r.data(), dx.data(), dp.data(), n, run.scratch.data());
  layer.finish_grads(params.data(), dp.data());

  // Central differences in float inputs, double objective.
  auto numeric = [&](std::vector<float>& v, std::vector<float>& p, bool perturb_params) {
    std::vector<float> g(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      const float keep = v[i];
      v[i] = keep + eps;
      const double up = perturb_params ? run.objective(v, x, r) : run.objective(p, v, r);
      v[i] = keep - eps;
      const double down = perturb_params ? run.objective(v, x, r) : run.objective(p, v, r);
      v[i] = keep;
      g[i] = float((up - down) / (2.0 * eps));
    }
    return g;
  };
  GradCheck out;
  out.dx = rel_error(dx, numeric(x, params, false));
  if (!params.empty()) out.dparams = rel_error(dp, numeric(params, params, true));
  return out;
}

}  // namespace wn::test
