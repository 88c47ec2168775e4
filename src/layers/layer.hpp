#pragma once
// The layer interface. Layers are stateless during a step: parameters, gradients,
// state (a running mean) and scratch memory are passed in, so several threads can run one layer on
// different slices of a batch at once (see train/trainer.cpp).
//
// Shapes are per sample, NHWC (src/tensor.hpp). `n` is the number of samples.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "../rng.hpp"
#include "../tensor.hpp"

namespace wn {

// A layer's trainable weights as diagnostics and weight files read them: the kernel as a
// rows × cols matrix (rows: fan-in in Keras' order; cols: output channels), with its Keras
// shape; the bias; weight norm's per-channel g (null for a plain layer, whose kernel is w,
// while a weight-normalised layer's is v). All point into the layer's parameters.
struct Weights {
  const float* kernel = nullptr;
  int rows = 0, cols = 0;
  std::vector<int> kernel_shape;  // [kh, kw, cin, cout] or [in, out]
  const float* bias = nullptr;
  const float* g = nullptr;
  explicit operator bool() const { return kernel != nullptr; }
};

class Layer {
 public:
  virtual ~Layer() = default;

  virtual std::string describe() const = 0;
  // Keras' base name for the layer's kind ("conv2d", "dense", "weight_normalization", …);
  // the model numbers them as Keras does (dense, dense_1, …).
  virtual std::string keras_name() const = 0;
  virtual Shape input_shape() const = 0;
  virtual Shape output_shape() const = 0;

  // Trainable floats this layer owns in the model's flat parameter vector.
  virtual std::size_t param_count() const { return 0; }
  virtual void init_params(float* /*params*/, Rng& /*rng*/) const {}

  // Per-thread scratch for a slice of n samples; forward and backward of the same
  // slice share it (max pooling leaves its winners there for backward, a padding
  // convolution its padded input).
  virtual std::size_t scratch_floats(int /*n*/) const { return 0; }

  // Once per step, before any forward: derive what forward needs from params.
  virtual void prepare(const float* /*params*/) {}

  // x: n × input_shape, y: n × output_shape.
  virtual void forward(const float* params, const float* x, float* y, int n,
                       float* scratch) const = 0;

  // Adds parameter gradients into dparams (same layout as params) and writes dx
  // (n × input_shape) unless dx is null (the first layer needs no input gradient).
  virtual void backward(const float* params, const float* x, const float* y, const float* dy,
                        float* dx, float* dparams, int n, float* scratch) const = 0;

  // Once per step, after the threads' gradients are summed: last touches that need
  // the whole batch's gradient (weight norm's eq. 3).
  virtual void finish_grads(const float* /*params*/, float* /*dparams*/) const {}

  // The trainable weights in params, or empty for a layer without any.
  virtual Weights weights(const float* /*params*/) const { return {}; }
  // The arrays a weight file holds for this layer besides weights()' kernel, bias and g, under
  // Keras' names (batch norm's gamma and beta; a moving mean in the state vector). Offsets are
  // within the layer's parameters, or its state.
  struct NamedSlice {
    std::string name;
    std::size_t offset, size;
    bool state;
  };
  virtual std::vector<NamedSlice> named_arrays() const { return {}; }
  // z = the layer's output before its activation, for a layer with weights (what weight
  // norm's data init normalises); false, z untouched, for any other. After prepare().
  virtual bool preactivation(const float* /*params*/, const float* /*x*/, float* /*z*/, int /*n*/,
                             float* /*scratch*/) const {
    return false;
  }

  // Data-dependent initialisation on the first training batch (weight norm, §3).
  virtual bool wants_data_init() const { return false; }
  virtual void data_init(float* /*params*/, const float* /*x*/, int /*n*/, float* /*scratch*/) {}

  // Whole-batch statistics (mean-only batch norm, §2.2): a layer that centres with the
  // minibatch mean cannot finish a training forward or backward on one thread's slice, so the
  // trainer splits both passes at it. Each thread runs the *_partial half on its slice and adds
  // the slice's per-channel sums into `sums` (stats_size() doubles, zeroed by the caller); the
  // trainer adds the threads' sums in thread order, then each thread runs the *_finish half with
  // the whole batch's sums and size `batch`. A plain forward/backward call treats its n samples
  // as the whole batch (the data init and the gradient checks run those). 0: no such statistics.
  virtual std::size_t stats_size() const { return 0; }
  // y: n × output_shape; partial leaves what finish completes in y and the scratch.
  virtual void forward_partial(const float* /*params*/, const float* /*x*/, float* /*y*/, int /*n*/,
                               float* /*scratch*/, double* /*sums*/) const {}
  virtual void forward_finish(const float* /*params*/, const double* /*sums*/, int /*batch*/, float* /*y*/,
                              int /*n*/, float* /*scratch*/) const {}
  // partial adds the gradients it can (the bias's) into dparams; finish the rest, and dx unless null.
  virtual void backward_partial(const float* /*params*/, const float* /*y*/, const float* /*dy*/,
                                float* /*dparams*/, int /*n*/, float* /*scratch*/, double* /*sums*/) const {}
  virtual void backward_finish(const float* /*params*/, const double* /*sums*/, int /*batch*/, const float* /*x*/,
                               const float* /*y*/, float* /*dx*/, float* /*dparams*/, int /*n*/,
                               float* /*scratch*/) const {}

  // Non-trainable state (Keras' non-trainable variables, e.g. a running mean): floats in the
  // model's state vector, never in the optimiser's. It starts as init_state leaves it (zeros).
  virtual std::size_t state_size() const { return 0; }
  virtual void init_state(float* state) const { std::fill(state, state + state_size(), 0.0f); }
  // Once per training step, with the whole batch's forward sums (see stats_size()).
  virtual void update_state(float* /*state*/, const double* /*sums*/, int /*batch*/) const {}
  // Evaluation: forward with the statistics from state instead of the batch's, so a sample's
  // output does not depend on the others in its batch. Other layers: forward.
  virtual void forward_eval(const float* params, const float* /*state*/, const float* x, float* y, int n,
                            float* scratch) const {
    forward(params, x, y, n, scratch);
  }

 protected:
  // forward/backward of a layer with whole-batch statistics: both halves on its n samples, which
  // are the whole batch (the data init and the gradient checks run these).
  void forward_whole_batch(const float* params, const float* x, float* y, int n, float* scratch) const {
    std::vector<double> sums(stats_size());
    forward_partial(params, x, y, n, scratch, sums.data());
    forward_finish(params, sums.data(), n, y, n, scratch);
  }
  void backward_whole_batch(const float* params, const float* x, const float* y, const float* dy, float* dx,
                            float* dparams, int n, float* scratch) const {
    std::vector<double> sums(stats_size());
    backward_partial(params, y, dy, dparams, n, scratch, sums.data());
    backward_finish(params, sums.data(), n, x, y, dx, dparams, n, scratch);
  }
};

}  // namespace wn
