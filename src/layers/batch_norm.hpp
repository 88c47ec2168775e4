#pragma once
// Batch normalisation (Ioffe & Szegedy 2015, arXiv:1502.03167) with Keras' BatchNormalization
// semantics, and the activation after it fused in:
//   x̂ = (x − μ) / √(σ² + ε),   y = φ(γ·x̂ + β)
// per channel (the last NHWC axis), μ and σ² the minibatch's mean and population variance over
// every sample and pixel in training, the moving averages at evaluation. ε = 1e-3, Keras' default.
// It follows a Conv2D or Dense without a bias (β is the bias; Keras' use_bias=False) and takes that
// layer's activation, as Keras nets write Conv2D → BatchNormalization → Activation.
//
// Parameters: [γ (channels)][β (channels)], γ = 1 and β = 0 at the start. State, outside the
// optimiser's vector (Keras' non-trainable variables): [moving mean][moving variance], 0 and 1 at
// the start, after every training step m ← 0.99·m + 0.01·(batch value). The moving variance
// averages the population variance, as Keras 3 does; PyTorch (and TF's fused kernel) average the
// unbiased n/(n−1)·σ² instead (tests/golden/README.md).
//
// Training statistics are whole-batch across threads, through the split passes mean-only batch
// norm introduced (layer.hpp, stats_size()): forward sums Σx and Σx², backward Σdu and Σdu·x̂.
#include <string>
#include <vector>

#include "activation.hpp"
#include "layer.hpp"

namespace wn {

class BatchNorm final : public Layer {
 public:
  static constexpr float kMomentum = 0.99f;  // Keras' default
  static constexpr float kEpsilon = 1e-3f;   // Keras' default (PyTorch's is 1e-5)

  BatchNorm(Shape shape, Activation act) : shape_(shape), act_(act) {}

  std::string describe() const override;
  std::string keras_name() const override { return "batch_normalization"; }
  Shape input_shape() const override { return shape_; }
  Shape output_shape() const override { return shape_; }
  std::size_t param_count() const override { return 2 * channels(); }
  void init_params(float* params, Rng& rng) const override;
  std::size_t scratch_floats(int n) const override;

  // The n samples are the batch: their own statistics (what data init and gradient checks run).
  void forward(const float* params, const float* x, float* y, int n, float* scratch) const override;
  void backward(const float* params, const float* x, const float* y, const float* dy, float* dx, float* dparams,
                int n, float* scratch) const override;
  bool preactivation(const float* params, const float* x, float* z, int n, float* scratch) const override;

  std::vector<NamedSlice> named_arrays() const override;

  std::size_t stats_size() const override { return 2 * channels(); }
  void forward_partial(const float* params, const float* x, float* y, int n, float* scratch,
                       double* sums) const override;
  void forward_finish(const float* params, const double* sums, int batch, float* y, int n,
                      float* scratch) const override;
  void backward_partial(const float* params, const float* y, const float* dy, float* dparams, int n, float* scratch,
                        double* sums) const override;
  void backward_finish(const float* params, const double* sums, int batch, const float* x, const float* y, float* dx,
                       float* dparams, int n, float* scratch) const override;

  std::size_t state_size() const override { return 2 * channels(); }
  void init_state(float* state) const override;
  void update_state(float* state, const double* sums, int batch) const override;
  void forward_eval(const float* params, const float* state, const float* x, float* y, int n,
                    float* scratch) const override;

 private:
  struct ScratchLayout;
  ScratchLayout layout(int n) const;
  std::size_t channels() const { return std::size_t(shape_.c); }
  std::size_t rows(int n) const { return std::size_t(n) * shape_.h * shape_.w; }
  // Mean and population variance per channel from the forward sums over `batch` samples.
  void moments(const double* sums, int batch, double* mean, double* var) const;
  // forward_finish with activation act (linear: the pre-activation).
  void finish(const float* params, const double* sums, int batch, Activation act, float* y, int n,
              float* scratch) const;
  // x̂ = (x − mean)·inv_std into xhat (may be x), y = φ(γ·x̂ + β).
  void normalise(const float* params, const float* mean, const float* inv_std, Activation act, const float* x,
                 float* xhat, float* y, int n) const;

  Shape shape_;
  Activation act_;
};

}  // namespace wn
