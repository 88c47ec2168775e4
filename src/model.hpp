#pragma once
// Sequential models built from a small description, and the tutorial's LeNet in each model kind.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "layers/conv2d.hpp"
#include "layers/weight_norm.hpp"
#include "status.hpp"

namespace wn {

// One entry of a model description. A net is a list of these; see lenet().
struct LayerSpec {
  enum class Kind { conv2d, maxpool2d, flatten, dense, activation, global_avg_pool };
  Kind kind;
  int units = 0;   // filters (conv2d) or units (dense)
  int kernel = 1;  // conv kernel / pool size, square
  int stride = 1;
  Padding padding = Padding::valid;
  Activation activation = Activation::linear;

  static LayerSpec conv(int filters, int kernel, Activation a, int stride = 1,
                        Padding p = Padding::valid) {
    return {Kind::conv2d, filters, kernel, stride, p, a};
  }
  static LayerSpec maxpool(int pool, int stride) { return {Kind::maxpool2d, 0, pool, stride}; }
  static LayerSpec flatten() { return {Kind::flatten}; }
  static LayerSpec dense(int units, Activation a) { return {Kind::dense, units, 1, 1, Padding::valid, a}; }
  static LayerSpec apply(Activation a) { return {Kind::activation, 0, 1, 1, Padding::valid, a}; }
  static LayerSpec global_avg_pool() { return {Kind::global_avg_pool}; }
};

struct ModelSpec {
  std::string name;
  Shape input{32, 32, 3};
  std::vector<LayerSpec> layers;
  bool weight_norm = false;  // wrap every Conv2D and Dense in WeightNormalization
  WnInit wn_init = WnInit::tfa;
  // Mean-only batch norm (§2.2, layers/mean_only_bn.hpp) on every weight-normalised layer but the
  // output layer; needs weight_norm. See lenet() for why not the output layer.
  bool mean_only_bn = false;
  // Batch norm (layers/batch_norm.hpp) after every Conv2D and Dense but the output layer, which
  // then lose their bias and hand it their activation. Excludes weight_norm.
  bool batch_norm = false;
};

enum class ModelKind { regular, weightnorm, wn_mobn, batchnorm };
constexpr ModelKind kModelKinds[] = {ModelKind::regular, ModelKind::weightnorm, ModelKind::wn_mobn,
                                     ModelKind::batchnorm};
const char* model_kind_name(ModelKind p);
std::optional<ModelKind> model_kind_from_name(const std::string& name);
std::string model_kind_names();  // "regular, weightnorm, wn-mobn, batchnorm": for messages
bool uses_weight_norm(ModelKind p);
// The variant's rule applied to an architecture's layers (architecture.hpp builds these).
ModelSpec model_spec(std::string name, std::vector<LayerSpec> layers, ModelKind p, WnInit wn_init);
// The TFA tutorial's LeNet: Conv(6,5,relu) → Pool(2,2) → Conv(16,5,relu) → Pool(2,2)
// → Flatten → Dense(120,relu) → Dense(84,relu) → Dense(10, softmax in the loss).
// regular: as is; weightnorm: every Conv2D and Dense weight-normalised; wn-mobn ("wn-mobn"):
// weight norm with mean-only batch norm on the hidden layers, weight norm alone on the output;
// batchnorm: batch norm after every hidden layer, which loses its bias.
ModelSpec lenet(ModelKind p, WnInit wn_init = WnInit::tfa);

class Model {
 public:
  // Validates the description (shapes stay positive) and draws the initial weights.
  static Result<std::unique_ptr<Model>> build(const ModelSpec& spec, std::uint64_t seed);
  // The same checks without allocating or drawing any weights.
  static Status check(const ModelSpec& spec);

  const ModelSpec& spec() const { return spec_; }
  std::size_t layer_count() const { return layers_.size(); }
  Layer& layer(std::size_t i) { return *layers_[i]; }
  const Layer& layer(std::size_t i) const { return *layers_[i]; }
  std::size_t param_offset(std::size_t i) const { return offsets_[i]; }
  // Keras' name for layer i: its kind's name, numbered from the second on (dense, dense_1, …).
  const std::string& layer_name(std::size_t i) const { return names_[i]; }
  Shape input_shape() const { return spec_.input; }
  int classes() const { return int(layers_.back()->output_shape().size()); }
  std::string summary() const;

  Floats& params() { return params_; }
  const Floats& params() const { return params_; }
  // Non-trainable state (mean-only batch norm's running means), never in the optimiser's vector;
  // layer i's starts at state_offset(i).
  Floats& state() { return state_; }
  const Floats& state() const { return state_; }
  std::size_t state_offset(std::size_t i) const { return state_offsets_[i]; }

  bool wants_data_init() const;
  // Derived weights for this step (WN's w = g·v/‖v‖), once per step.
  void prepare();
  void finish_grads(float* grads) const;

 private:
  Model() = default;
  // The layers, their offsets and names; no parameters yet.
  static Result<std::unique_ptr<Model>> assemble(const ModelSpec& spec);
  std::size_t param_count_ = 0, state_count_ = 0;
  ModelSpec spec_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<std::size_t> offsets_;  // where each layer's parameters start in params_
  std::vector<std::string> names_;
  Floats params_;
  std::vector<std::size_t> state_offsets_;
  Floats state_;
};

}  // namespace wn
