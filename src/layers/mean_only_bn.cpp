#include "mean_only_bn.hpp"

#include <algorithm>
#include <vector>

namespace wn {

namespace {
// sums[j] = Σ_r y[r][j] over `rows` rows of N channels, in double: the threads' partial sums
// are added again in double, so the batch mean does not depend on how the batch was split
// beyond rounding in the last bits.
void column_sums(const float* y, std::size_t rows, int N, double* sums) {
  std::fill(sums, sums + N, 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (int j = 0; j < N; ++j) sums[j] += y[r * N + j];
}
}  // namespace

// Scratch of a slice of n samples, in floats: the inner weight norm's (its convolution's first),
// ∂loss/∂u for u = t − μ + b (backward_partial leaves it for backward_finish), and one float per
// channel (the zero bias of t, the batch mean, the evaluation bias b − running mean).
struct MeanOnlyBN::ScratchLayout {
  std::size_t du, channel, total;
};

MeanOnlyBN::ScratchLayout MeanOnlyBN::layout(int n) const {
  ScratchLayout s{};
  s.du = inner_->scratch_floats(n);
  s.channel = s.du + output_shape().size() * n;
  s.total = s.channel + channels();
  return s;
}

MeanOnlyBN::MeanOnlyBN(std::unique_ptr<WeightNorm> inner, Activation act) : inner_(std::move(inner)), act_(act) {}

std::string MeanOnlyBN::describe() const {
  return "MeanOnlyBN(" + inner_->describe() + ", " + activation_name(act_) + ")";
}

std::size_t MeanOnlyBN::scratch_floats(int n) const { return layout(n).total; }

void MeanOnlyBN::batch_means(const double* sums, int batch, float* mean) const {
  const double count = double(batch) * output_shape().h * output_shape().w;
  for (int j = 0; j < channels(); ++j) mean[j] = float(sums[j] / count);
}

void MeanOnlyBN::centre(const float* params, const float* mean, Activation act, float* y, int n) const {
  const int N = channels();
  const float* b = params + inner_->bias_offset();
  const std::size_t rows = std::size_t(n) * output_shape().h * output_shape().w;
  // Centred first, then the bias: the centred value is exactly t − μ, as §2.2 writes it.
  with_activation(act, [&](auto a) {
    for (std::size_t r = 0; r < rows; ++r)
      for (int j = 0; j < N; ++j) {
        const float u = (y[r * N + j] - mean[j]) + b[j];
        y[r * N + j] = activate(a, u);
      }
  });
}

void MeanOnlyBN::forward_partial(const float* params, const float* x, float* y, int n, float* scratch,
                                 double* sums) const {
  // t = w·x without a bias: the batch's t, centred, is what every sample needs first.
  float* zero = scratch + layout(n).channel;
  std::fill(zero, zero + channels(), 0.0f);
  conv().forward_with(inner_->kernel().data(), zero, Activation::linear, x, y, n, scratch);
  column_sums(y, std::size_t(n) * output_shape().h * output_shape().w, channels(), sums);
}

void MeanOnlyBN::forward_finish(const float* params, const double* sums, int batch, float* y, int n,
                                float* scratch) const {
  float* mean = scratch + layout(n).channel;
  batch_means(sums, batch, mean);
  centre(params, mean, act_, y, n);
}

void MeanOnlyBN::forward(const float* params, const float* x, float* y, int n, float* scratch) const {
  forward_whole_batch(params, x, y, n, scratch);
}

bool MeanOnlyBN::preactivation(const float* params, const float* x, float* z, int n, float* scratch) const {
  std::vector<double> sums(channels());
  forward_partial(params, x, z, n, scratch, sums.data());
  float* mean = scratch + layout(n).channel;
  batch_means(sums.data(), n, mean);
  centre(params, mean, Activation::linear, z, n);
  return true;
}

void MeanOnlyBN::forward_eval(const float* params, const float* state, const float* x, float* y, int n,
                              float* scratch) const {
  // y = φ(t − m + b) with the running mean m: one fused pass with the bias b − m.
  const float* b = params + inner_->bias_offset();
  float* bias = scratch + layout(n).channel;
  for (int j = 0; j < channels(); ++j) bias[j] = b[j] - state[j];
  conv().forward_with(inner_->kernel().data(), bias, act_, x, y, n, scratch);
}

void MeanOnlyBN::update_state(float* state, const double* sums, int batch) const {
  std::vector<float> mean(channels());
  batch_means(sums, batch, mean.data());
  for (int j = 0; j < channels(); ++j) state[j] = kMomentum * state[j] + (1.0f - kMomentum) * mean[j];
}

void MeanOnlyBN::backward_partial(const float* params, const float* y, const float* dy, float* dparams, int n,
                                  float* scratch, double* sums) const {
  // du = dy ⊙ φ'(u), u = t − μ + b; the bias gradient is Σ du (the bias is not centred).
  const std::size_t count = output_shape().size() * n;
  float* du = scratch + layout(n).du;
  with_activation(act_, [&](auto a) {
    for (std::size_t i = 0; i < count; ++i) du[i] = activation_grad(a, y[i], dy[i]);
  });
  column_sums(du, count / channels(), channels(), sums);
  float* db = dparams + inner_->bias_offset();
  for (int j = 0; j < channels(); ++j) db[j] += float(sums[j]);
}

void MeanOnlyBN::backward_finish(const float* params, const double* sums, int batch, const float* x, const float* y,
                                 float* dx, float* dparams, int n, float* scratch) const {
  // ∂t_a: every t_b − μ depends on t_a through μ, so dt = du − mean_B(du) per channel.
  const ScratchLayout s = layout(n);
  float* mean = scratch + s.channel;
  batch_means(sums, batch, mean);
  float* dt = scratch + s.du;
  const std::size_t rows = std::size_t(n) * output_shape().h * output_shape().w;
  const int N = channels();
  for (std::size_t r = 0; r < rows; ++r)
    for (int j = 0; j < N; ++j) dt[r * N + j] -= mean[j];
  // The linear inner layer: ∇w into the v slot (eq. 3 in finish_grads) and dx. It also adds Σ dt
  // to a bias gradient, which t has not got: that lands in the channel floats and is dropped.
  std::fill(mean, mean + N, 0.0f);
  conv().backward_with(inner_->kernel().data(), x, y, dt, dx, dparams, mean, n, scratch);
}

void MeanOnlyBN::backward(const float* params, const float* x, const float* y, const float* dy, float* dx,
                          float* dparams, int n, float* scratch) const {
  backward_whole_batch(params, x, y, dy, dx, dparams, n, scratch);
}

void MeanOnlyBN::data_init(float* params, const float* x, int n, float* scratch) {
  // §3 with mean-only batch norm, as openai/weightnorm's MeanOnlyBNLayer initialises: only the
  // scale g, so the centred pre-activation starts with deviation 1 (paper mode; TFA's mode takes
  // its statistics from the unnormalised v, as for plain weight norm). The mean needs no
  // parameter: the centring removes it, so the bias stays at its 0. Weight norm's data init would
  // also set b = −μ·g, which after the centring would shift each unit off zero by that much.
  float* b = params + inner_->bias_offset();
  const std::vector<float> keep(b, b + channels());
  inner_->data_init(params, x, n, scratch);
  std::copy(keep.begin(), keep.end(), b);
}

}  // namespace wn
