#pragma once
// The layer interface. Layers are stateless during a step: parameters, gradients
// and scratch memory are passed in, so several threads can run one layer on
// different slices of a batch at once (see train/trainer.cpp).
//
// Shapes are per sample, NHWC (src/tensor.hpp). `n` is the number of samples.
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
  // z = the layer's output before its activation, for a layer with weights (what weight
  // norm's data init normalises); false, z untouched, for any other. After prepare().
  virtual bool preactivation(const float* /*params*/, const float* /*x*/, float* /*z*/, int /*n*/,
                             float* /*scratch*/) const {
    return false;
  }

  // Data-dependent initialisation on the first training batch (weight norm, §3).
  virtual bool wants_data_init() const { return false; }
  virtual void data_init(float* /*params*/, const float* /*x*/, int /*n*/, float* /*scratch*/) {}
};

}  // namespace wn
