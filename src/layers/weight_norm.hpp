#pragma once
// WeightNormalization (Salimans & Kingma 2016, arXiv:1602.07868) around a Conv2D
// or Dense, with TensorFlow Addons' semantics:
//   w = g · v / ‖v‖ per output channel (eq. 2), the norm over every other kernel axis,
//   g of shape (out,), the bias stays the inner layer's, the activation comes after.
// Parameters in the flat vector: [v (kernel shape)][bias (out)][g (out)], so the
// prefix [v][bias] has the inner layer's layout and its backward writes ∇w, ∇b there;
// finish_grads turns ∇w into ∇v and ∇g (eq. 3) once the threads' sums are in.
#include <memory>
#include <optional>
#include <string>

#include "conv2d.hpp"

namespace wn {

enum class WnInit {
  tfa,    // TFA's data init: statistics of the layer run with the *unnormalised* v
  paper,  // §3 of the paper: statistics with v/‖v‖, so units start at mean 0, std 1
  none,   // g = ‖v‖: initially the plain layer (PyTorch's weight_norm)
};

constexpr WnInit kWnInits[] = {WnInit::tfa, WnInit::paper, WnInit::none};
const char* wn_init_name(WnInit init);
std::optional<WnInit> wn_init_from_name(const std::string& name);

class WeightNorm final : public Layer {
 public:
  WeightNorm(std::unique_ptr<Conv2D> inner, WnInit init);

  std::string describe() const override;
  std::string keras_name() const override { return "weight_normalization"; }
  Shape input_shape() const override { return inner_->input_shape(); }
  Shape output_shape() const override { return inner_->output_shape(); }
  std::size_t param_count() const override { return inner_->param_count() + channels(); }
  void init_params(float* params, Rng& rng) const override;
  std::size_t scratch_floats(int n) const override;

  void prepare(const float* params) override;
  void forward(const float* params, const float* x, float* y, int n,
               float* scratch) const override;
  void backward(const float* params, const float* x, const float* y, const float* dy, float* dx,
                float* dparams, int n, float* scratch) const override;
  void finish_grads(const float* params, float* dparams) const override;

  Weights weights(const float* params) const override;
  bool preactivation(const float* params, const float* x, float* z, int n, float* scratch) const override;

  bool wants_data_init() const override { return init_ != WnInit::none; }
  void data_init(float* params, const float* x, int n, float* scratch) override;

  // The kernel forward uses, g·v/‖v‖, as of the last prepare().
  const Floats& kernel() const { return w_; }

 private:
  int channels() const { return inner_->filters(); }
  std::size_t g_offset() const { return inner_->param_count(); }
  std::size_t bias_offset() const { return inner_->kernel_size(); }

  std::unique_ptr<Conv2D> inner_;
  WnInit init_;
  Floats w_;         // derived kernel, recomputed once per step, not per sample
  Floats inv_norm_;  // 1/‖v‖ per channel, kept for eq. 3
};

}  // namespace wn
