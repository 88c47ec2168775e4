#include "weight_norm.hpp"

#include <cmath>
#include <vector>

namespace wn {

const char* wn_init_name(WnInit init) {
  switch (init) {
    case WnInit::tfa: return "tfa";
    case WnInit::paper: return "paper";
    case WnInit::none: return "none";
  }
  return "?";
}

std::optional<WnInit> wn_init_from_name(const std::string& name) {
  for (WnInit i : kWnInits)
    if (name == wn_init_name(i)) return i;
  return std::nullopt;
}

namespace {
// tf.nn.l2_normalize's guard: 1/sqrt(max(Σv², 1e-12)) keeps a vanishing v finite.
constexpr double kNormFloor = 1e-12;
// TFA's data-init epsilon on the variance: an all-constant batch gives a huge but finite scale.
constexpr double kVarianceEps = 1e-10;

// norm[j] = ‖v[:, j]‖ and inv_norm[j] = 1/‖v[:, j]‖ for a row-major K×N kernel.
void column_norms(const float* v, int K, int N, float* norm, float* inv_norm) {
  // Float sums, vectorised across channels: K ≤ a few hundred terms of one sign.
  std::vector<float> ss(N, 0.0f);
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < N; ++j) ss[j] += v[std::size_t(k) * N + j] * v[std::size_t(k) * N + j];
  for (int j = 0; j < N; ++j) {
    const double n = std::sqrt(std::max(double(ss[j]), kNormFloor));
    norm[j] = float(n);
    inv_norm[j] = float(1.0 / n);
  }
}
}  // namespace

WeightNorm::WeightNorm(std::unique_ptr<Conv2D> inner, WnInit init)
    : inner_(std::move(inner)), init_(init), w_(inner_->kernel_size()), inv_norm_(channels()) {}

std::string WeightNorm::describe() const {
  return "WeightNormalization(" + inner_->describe() + ", init " + wn_init_name(init_) + ")";
}

void WeightNorm::init_params(float* params, Rng& rng) const {
  // v is drawn exactly as the plain layer's kernel, so both kinds share a start.
  inner_->init_params(params, rng);
  float* g = params + g_offset();
  if (init_ == WnInit::none) {
    // g = ‖v‖, as prepare() computes it: g/‖v‖ is then exactly 1 and w exactly v.
    std::vector<float> inv_norm(channels());
    column_norms(params, inner_->fan_in(), channels(), g, inv_norm.data());
  } else {
    std::fill(g, g + channels(), 1.0f);  // TFA's 'ones' initialiser, rescaled by data_init
  }
}

std::size_t WeightNorm::scratch_floats(int n) const {
  // data_init needs the pre-activations of the whole batch beside the inner scratch.
  return inner_->scratch_floats(n) + inner_->output_shape().size() * n;
}

void WeightNorm::prepare(const float* params) {
  const int K = inner_->fan_in(), N = channels();
  const float* v = params;
  const float* g = params + g_offset();
  std::vector<float> scale(N);
  column_norms(v, K, N, scale.data(), inv_norm_.data());
  for (int j = 0; j < N; ++j) scale[j] = g[j] / scale[j];  // g/‖v‖: exactly 1 when g = ‖v‖ (init none)
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < N; ++j) {
      const std::size_t i = std::size_t(k) * N + j;
      w_[i] = scale[j] * v[i];  // eq. 2
    }
}

void WeightNorm::forward(const float* params, const float* x, float* y, int n,
                         float* scratch) const {
  inner_->forward_with(w_.data(), params + bias_offset(), inner_->activation(), x, y, n, scratch);
}

void WeightNorm::backward(const float*, const float* x, const float* y, const float* dy, float* dx,
                          float* dparams, int n, float* scratch) const {
  // ∇w goes into the v slot for now; finish_grads converts it.
  inner_->backward_with(w_.data(), x, y, dy, dx, dparams, dparams + bias_offset(), n, scratch);
}

Weights WeightNorm::weights(const float* params) const {
  Weights w = inner_->weights(params);  // [v][bias] has the inner layer's layout
  w.g = params + g_offset();
  return w;
}

bool WeightNorm::preactivation(const float* params, const float* x, float* z, int n, float* scratch) const {
  inner_->forward_with(w_.data(), params + bias_offset(), Activation::linear, x, z, n, scratch);
  return true;
}

void WeightNorm::finish_grads(const float* params, float* dparams) const {
  // Eq. 3:  ∇g = ∇w·v/‖v‖,   ∇v = (g/‖v‖)·∇w − (g·∇g/‖v‖²)·v
  const int K = inner_->fan_in(), N = channels();
  const float* v = params;
  const float* g = params + g_offset();
  float* dv = dparams;  // holds ∇w on entry
  float* dg = dparams + g_offset();
  std::vector<float> dot(N, 0.0f), scale(N), shift(N);
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < N; ++j) dot[j] += dv[std::size_t(k) * N + j] * v[std::size_t(k) * N + j];
  for (int j = 0; j < N; ++j) {
    const float dgj = dot[j] * inv_norm_[j];
    dg[j] += dgj;
    scale[j] = g[j] * inv_norm_[j];                    // g/‖v‖
    shift[j] = g[j] * dgj * inv_norm_[j] * inv_norm_[j];  // g·∇g/‖v‖²
  }
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < N; ++j) {
      const std::size_t i = std::size_t(k) * N + j;
      dv[i] = scale[j] * dv[i] - shift[j] * v[i];
    }
}

void WeightNorm::data_init(float* params, const float* x, int n, float* scratch) {
  // Pre-activation z = x ⊛ k + 0 with k = v (tfa) or v/‖v‖ (paper); TFA runs a
  // bias-free, activation-free clone of the layer holding the unnormalised kernel.
  const int K = inner_->fan_in(), N = channels();
  const float* v = params;
  Floats k(v, v + inner_->kernel_size());
  if (init_ == WnInit::paper) {
    std::vector<float> norm(N);
    column_norms(v, K, N, norm.data(), inv_norm_.data());
    for (int r = 0; r < K; ++r)
      for (int j = 0; j < N; ++j) k[std::size_t(r) * N + j] *= inv_norm_[j];
  }
  const Floats zero_bias(N, 0.0f);
  float* z = scratch + inner_->scratch_floats(n);
  inner_->forward_with(k.data(), zero_bias.data(), Activation::linear, x, z, n, scratch);

  // Moments over every axis but the channel (tf.nn.moments: population variance).
  const std::size_t rows = inner_->output_shape().size() / N * n;
  std::vector<double> mean(N, 0.0), var(N, 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (int j = 0; j < N; ++j) mean[j] += z[r * N + j];
  for (int j = 0; j < N; ++j) mean[j] /= double(rows);
  for (std::size_t r = 0; r < rows; ++r)
    for (int j = 0; j < N; ++j) {
      const double d = z[r * N + j] - mean[j];
      var[j] += d * d;
    }
  float* g = params + g_offset();
  float* bias = params + bias_offset();
  for (int j = 0; j < N; ++j) {
    const double scale = 1.0 / std::sqrt(var[j] / double(rows) + kVarianceEps);
    g[j] = float(g[j] * scale);  // g starts at 1 in both modes
    bias[j] = float(-mean[j] * scale);
  }
}

}  // namespace wn
