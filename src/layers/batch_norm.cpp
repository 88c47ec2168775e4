#include "batch_norm.hpp"

#include <cmath>

namespace wn {

// Scratch of a slice of n samples, in floats: x̂ (forward leaves it for backward), du = dy·φ'
// (backward_partial leaves it for backward_finish), and per channel the batch mean and 1/√(σ² + ε)
// the forward used.
struct BatchNorm::ScratchLayout {
  std::size_t xhat, du, mean, inv_std, total;
};

BatchNorm::ScratchLayout BatchNorm::layout(int n) const {
  ScratchLayout s{};
  const std::size_t size = shape_.size() * std::size_t(n);
  s.xhat = 0;
  s.du = size;
  s.mean = 2 * size;
  s.inv_std = s.mean + channels();
  s.total = s.inv_std + channels();
  return s;
}

std::string BatchNorm::describe() const {
  return "BatchNormalization(" + std::to_string(channels()) + ", " + activation_name(act_) + ")";
}

std::size_t BatchNorm::scratch_floats(int n) const { return layout(n).total; }

void BatchNorm::init_params(float* params, Rng&) const {
  std::fill(params, params + channels(), 1.0f);                   // γ
  std::fill(params + channels(), params + 2 * channels(), 0.0f);  // β
}

void BatchNorm::init_state(float* state) const {
  std::fill(state, state + channels(), 0.0f);                   // moving mean
  std::fill(state + channels(), state + 2 * channels(), 1.0f);  // moving variance
}

std::vector<Layer::NamedSlice> BatchNorm::named_arrays() const {
  const std::size_t C = channels();
  return {{"gamma", 0, C, false}, {"beta", C, C, false}, {"moving_mean", 0, C, true}, {"moving_variance", C, C, true}};
}

void BatchNorm::moments(const double* sums, int batch, double* mean, double* var) const {
  // Σx and Σx² in double: E[x²] − μ² loses nothing that float activations hold unless |μ|/σ
  // passes ~10⁶; one pass keeps the whole-batch statistics to one synchronisation.
  const double count = double(batch) * shape_.h * shape_.w;
  for (std::size_t j = 0; j < channels(); ++j) {
    mean[j] = sums[j] / count;
    var[j] = std::max(sums[channels() + j] / count - mean[j] * mean[j], 0.0);
  }
}

void BatchNorm::normalise(const float* params, const float* mean, const float* inv_std, Activation act,
                          const float* x, float* xhat, float* y, int n) const {
  const std::size_t C = channels(), R = rows(n);
  const float* gamma = params;
  const float* beta = params + C;
  with_activation(act, [&](auto a) {
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t j = 0; j < C; ++j) {
        const float h = (x[r * C + j] - mean[j]) * inv_std[j];
        xhat[r * C + j] = h;
        y[r * C + j] = activate(a, gamma[j] * h + beta[j]);
      }
  });
}

void BatchNorm::forward_partial(const float*, const float* x, float* y, int n, float*, double* sums) const {
  const std::size_t C = channels(), R = rows(n);
  std::fill(sums, sums + 2 * C, 0.0);
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t j = 0; j < C; ++j) {
      const double v = x[r * C + j];
      sums[j] += v;
      sums[C + j] += v * v;
    }
  std::copy(x, x + R * C, y);  // forward_finish reads x from y
}

void BatchNorm::forward_finish(const float* params, const double* sums, int batch, float* y, int n,
                               float* scratch) const {
  finish(params, sums, batch, act_, y, n, scratch);
}

void BatchNorm::finish(const float* params, const double* sums, int batch, Activation act, float* y, int n,
                       float* scratch) const {
  const ScratchLayout s = layout(n);
  const std::size_t C = channels();
  std::vector<double> mean(C), var(C);
  moments(sums, batch, mean.data(), var.data());
  float* m = scratch + s.mean;
  float* inv_std = scratch + s.inv_std;
  for (std::size_t j = 0; j < C; ++j) {
    m[j] = float(mean[j]);
    inv_std[j] = float(1.0 / std::sqrt(var[j] + double(kEpsilon)));
  }
  normalise(params, m, inv_std, act, y, scratch + s.xhat, y, n);
}

void BatchNorm::forward(const float* params, const float* x, float* y, int n, float* scratch) const {
  forward_whole_batch(params, x, y, n, scratch);
}

bool BatchNorm::preactivation(const float* params, const float* x, float* z, int n, float* scratch) const {
  std::vector<double> sums(stats_size());
  forward_partial(params, x, z, n, scratch, sums.data());
  finish(params, sums.data(), n, Activation::linear, z, n, scratch);
  return true;
}

void BatchNorm::forward_eval(const float* params, const float* state, const float* x, float* y, int n,
                             float* scratch) const {
  // Keras' inference: (x − moving mean)/√(moving variance + ε)·γ + β.
  const ScratchLayout s = layout(n);
  const std::size_t C = channels();
  float* inv_std = scratch + s.inv_std;
  for (std::size_t j = 0; j < C; ++j) inv_std[j] = float(1.0 / std::sqrt(double(state[C + j]) + double(kEpsilon)));
  normalise(params, state, inv_std, act_, x, y, y, n);
}

void BatchNorm::update_state(float* state, const double* sums, int batch) const {
  const std::size_t C = channels();
  std::vector<double> mean(C), var(C);
  moments(sums, batch, mean.data(), var.data());
  for (std::size_t j = 0; j < C; ++j) {
    state[j] = kMomentum * state[j] + (1.0f - kMomentum) * float(mean[j]);
    state[C + j] = kMomentum * state[C + j] + (1.0f - kMomentum) * float(var[j]);
  }
}

void BatchNorm::backward_partial(const float* params, const float* y, const float* dy, float* dparams, int n,
                                 float* scratch, double* sums) const {
  // du = dy·φ'(u) for u = γ·x̂ + β; ∇β = Σdu, ∇γ = Σdu·x̂, and the same two sums are what every
  // sample's ∂x needs from the whole batch.
  const ScratchLayout s = layout(n);
  const std::size_t C = channels(), R = rows(n);
  const float* xhat = scratch + s.xhat;
  float* du = scratch + s.du;
  std::fill(sums, sums + 2 * C, 0.0);
  with_activation(act_, [&](auto a) {
    for (std::size_t i = 0; i < R * C; ++i) du[i] = activation_grad(a, y[i], dy[i]);
  });
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t j = 0; j < C; ++j) {
      const std::size_t i = r * C + j;
      sums[j] += du[i];
      sums[C + j] += double(du[i]) * xhat[i];
    }
  for (std::size_t j = 0; j < C; ++j) {
    dparams[j] += float(sums[C + j]);  // ∇γ
    dparams[C + j] += float(sums[j]);  // ∇β
  }
}

void BatchNorm::backward_finish(const float* params, const double* sums, int batch, const float*, const float*,
                                float* dx, float*, int n, float* scratch) const {
  // ∂x = γ/√(σ² + ε) · (du − mean(du) − x̂·mean(du·x̂)), the means over the whole batch
  // (Ioffe & Szegedy 2015, §3, with μ and σ² differentiated through).
  if (!dx) return;
  const ScratchLayout s = layout(n);
  const std::size_t C = channels(), R = rows(n);
  const double count = double(batch) * shape_.h * shape_.w;
  // In double: Σ∂x = 0 per channel in exact arithmetic, and the layer below sums ∂x·x over every pixel
  // of the batch (its kernel's gradient), so a float rounding of the two means, the same in every
  // term, would add up where the exact terms cancel (4e-5 of conv2d_1's kernel gradient in LeNet).
  std::vector<double> mean_du(C), mean_du_xhat(C), scale(C);
  for (std::size_t j = 0; j < C; ++j) {
    mean_du[j] = sums[j] / count;
    mean_du_xhat[j] = sums[C + j] / count;
    scale[j] = double(params[j]) * scratch[s.inv_std + j];
  }
  const float* xhat = scratch + s.xhat;
  const float* du = scratch + s.du;
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t j = 0; j < C; ++j) {
      const std::size_t i = r * C + j;
      dx[i] = float(scale[j] * (du[i] - mean_du[j] - xhat[i] * mean_du_xhat[j]));
    }
}

void BatchNorm::backward(const float* params, const float* x, const float* y, const float* dy, float* dx,
                         float* dparams, int n, float* scratch) const {
  backward_whole_batch(params, x, y, dy, dx, dparams, n, scratch);
}

}  // namespace wn
