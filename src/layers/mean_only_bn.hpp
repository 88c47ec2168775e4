#pragma once
// Mean-only batch normalisation (Salimans & Kingma 2016, §2.2) of a weight-normalised Conv2D or
// Dense, the two combined as openai/weightnorm's MeanOnlyBNLayer does:
//   t = w·x with w = g·v/‖v‖ (eq. 2),   y = φ(t − μ[t] + b)
// μ[t]: each output channel's mean over the minibatch (every sample and pixel) in training, a
// running mean at evaluation. Unlike full batch norm nothing is divided by a batch deviation:
// weight norm already fixes the scale, and the mean's noise is the milder regulariser (§2.2).
// The bias comes after the centring: before it, it would be subtracted again with the mean and
// never learn (openai's mean_only_bn removes the inner layer's bias and adds its own after).
// So the wrapped layer is linear and the activation is this layer's.
//
// Parameters: weight norm's [v][bias][g], the same layout (weights() reads the same). State: the
// running mean, one float per channel, outside the optimiser's vector (Keras' non-trainable
// variables). Training statistics are whole-batch: the trainer splits its passes here (layer.hpp).
#include <memory>
#include <string>

#include "weight_norm.hpp"

namespace wn {

class MeanOnlyBN final : public Layer {
 public:
  // Running mean ← momentum · running mean + (1 − momentum) · batch mean, once per training step.
  // 0.9, openai/weightnorm's value (Keras' BatchNormalization defaults to 0.99): the running mean
  // starts at zero as theirs, and the page's short runs validate after 63 steps (2,000 images)
  // to 313 (10,000), while the weights move fast under Adam. 0.9 leaves 0.9^63 ≈ 0.1 % of the zero
  // start after 63 steps and averages the last ~10 batches (~320 samples); 0.99 would leave 53 %.
  static constexpr float kMomentum = 0.9f;

  // inner: weight norm around a *linear* Conv2D or Dense; act: applied after the centring and bias.
  MeanOnlyBN(std::unique_ptr<WeightNorm> inner, Activation act);

  std::string describe() const override;
  std::string keras_name() const override { return "mean_only_batch_normalization"; }
  Shape input_shape() const override { return inner_->input_shape(); }
  Shape output_shape() const override { return inner_->output_shape(); }
  std::size_t param_count() const override { return inner_->param_count(); }
  void init_params(float* params, Rng& rng) const override { inner_->init_params(params, rng); }
  std::size_t scratch_floats(int n) const override;

  void prepare(const float* params) override { inner_->prepare(params); }
  // The n samples are the batch: its own statistics (what data init and gradient checks run).
  void forward(const float* params, const float* x, float* y, int n, float* scratch) const override;
  void backward(const float* params, const float* x, const float* y, const float* dy, float* dx, float* dparams,
                int n, float* scratch) const override;
  // Eq. 3 on the ∇w the backward wrote: weight norm's.
  void finish_grads(const float* params, float* dparams) const override { inner_->finish_grads(params, dparams); }

  Weights weights(const float* params) const override { return inner_->weights(params); }
  // z = t − μ[t] + b with the mean of these n samples: the centred pre-activation, what φ sees.
  bool preactivation(const float* params, const float* x, float* z, int n, float* scratch) const override;

  bool wants_data_init() const override { return inner_->wants_data_init(); }
  void data_init(float* params, const float* x, int n, float* scratch) override;

  std::size_t stats_size() const override { return std::size_t(channels()); }
  void forward_partial(const float* params, const float* x, float* y, int n, float* scratch,
                       double* sums) const override;
  void forward_finish(const float* params, const double* sums, int batch, float* y, int n,
                      float* scratch) const override;
  void backward_partial(const float* params, const float* y, const float* dy, float* dparams, int n, float* scratch,
                        double* sums) const override;
  void backward_finish(const float* params, const double* sums, int batch, const float* x, const float* y, float* dx,
                       float* dparams, int n, float* scratch) const override;

  std::size_t state_size() const override { return std::size_t(channels()); }
  std::vector<NamedSlice> named_arrays() const override { return {{"moving_mean", 0, state_size(), true}}; }
  void update_state(float* state, const double* sums, int batch) const override;
  void forward_eval(const float* params, const float* state, const float* x, float* y, int n,
                    float* scratch) const override;

 private:
  struct ScratchLayout;
  ScratchLayout layout(int n) const;
  int channels() const { return inner_->channels(); }
  const Conv2D& conv() const { return inner_->inner(); }
  // mean[j] = sums[j] / (batch · output pixels): a channel's mean over a batch of `batch` samples.
  void batch_means(const double* sums, int batch, float* mean) const;
  // y = act((t − mean) + b) in place.
  void centre(const float* params, const float* mean, Activation act, float* y, int n) const;

  std::unique_ptr<WeightNorm> inner_;
  Activation act_;
};

}  // namespace wn
