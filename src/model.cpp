#include "model.hpp"

#include "layers/activation.hpp"
#include "layers/dense.hpp"
#include "layers/flatten.hpp"
#include "layers/maxpool2d.hpp"

namespace wn {

const char* preset_name(Preset p) { return p == Preset::regular ? "regular" : "weightnorm"; }

std::optional<Preset> preset_from_name(const std::string& name) {
  for (Preset p : kPresets)
    if (name == preset_name(p)) return p;
  return std::nullopt;
}

bool uses_weight_norm(Preset p) { return p != Preset::regular; }

std::string preset_names() {
  std::string s;
  for (Preset p : kPresets) s += std::string(s.empty() ? "" : ", ") + preset_name(p);
  return s;
}

ModelSpec preset(Preset p, WnInit wn_init) {
  using A = Activation;
  ModelSpec s;
  s.name = preset_name(p);
  s.layers = {LayerSpec::conv(6, 5, A::relu), LayerSpec::maxpool(2, 2),
              LayerSpec::conv(16, 5, A::relu), LayerSpec::maxpool(2, 2),
              LayerSpec::flatten(), LayerSpec::dense(120, A::relu),
              LayerSpec::dense(84, A::relu), LayerSpec::dense(10, A::linear)};
  s.weight_norm = uses_weight_norm(p);
  s.wn_init = wn_init;
  return s;
}

namespace {
Result<std::unique_ptr<Layer>> make_layer(const LayerSpec& l, Shape in, const ModelSpec& spec) {
  auto wrap = [&](std::unique_ptr<Conv2D> c) -> std::unique_ptr<Layer> {
    if (spec.weight_norm) return std::make_unique<WeightNorm>(std::move(c), spec.wn_init);
    return c;
  };
  const bool bad_size = l.units <= 0 && (l.kind == LayerSpec::Kind::conv2d || l.kind == LayerSpec::Kind::dense);
  if (bad_size || l.kernel <= 0 || l.stride <= 0) return Error{"layer sizes must be positive"};
  switch (l.kind) {
    case LayerSpec::Kind::conv2d:
      if (l.padding == Padding::valid && (l.kernel > in.h || l.kernel > in.w))
        return Error{"conv kernel " + std::to_string(l.kernel) + " is larger than its input " + in.str()};
      return wrap(std::make_unique<Conv2D>(in, Conv2DConfig{l.units, l.kernel, l.kernel, l.stride, l.padding, l.activation}));
    case LayerSpec::Kind::maxpool2d:
      if (l.kernel > in.h || l.kernel > in.w)
        return Error{"pool size " + std::to_string(l.kernel) + " is larger than its input " + in.str()};
      return std::unique_ptr<Layer>(std::make_unique<MaxPool2D>(in, l.kernel, l.stride));
    case LayerSpec::Kind::flatten: return std::unique_ptr<Layer>(std::make_unique<Flatten>(in));
    case LayerSpec::Kind::dense: return wrap(std::make_unique<Dense>(in, l.units, l.activation));
    case LayerSpec::Kind::activation:
      return std::unique_ptr<Layer>(std::make_unique<ActivationLayer>(in, l.activation));
  }
  return Error{"unknown layer kind"};
}
}  // namespace

Result<std::unique_ptr<Model>> Model::build(const ModelSpec& spec, std::uint64_t seed) {
  if (spec.layers.empty()) return Error{"a model needs at least one layer"};
  std::unique_ptr<Model> m(new Model());
  m->spec_ = spec;
  Shape shape = spec.input;
  std::size_t total = 0;
  for (const LayerSpec& l : spec.layers) {
    auto layer = make_layer(l, shape, spec);
    if (!layer) return Error{layer.message()};
    shape = layer.value()->output_shape();
    m->offsets_.push_back(total);
    total += layer.value()->param_count();
    const std::string kind = layer.value()->keras_name();
    int same = 0;
    for (const auto& earlier : m->layers_) same += earlier->keras_name() == kind;
    m->names_.push_back(same ? kind + "_" + std::to_string(same) : kind);
    m->layers_.push_back(std::move(layer.value()));
  }
  m->params_.assign(total, 0.0f);
  // Layers draw in order from one stream, so WN's v equals the plain net's kernel
  // for the same seed.
  Rng rng(seed, /*stream=*/1);
  for (std::size_t i = 0; i < m->layers_.size(); ++i)
    m->layers_[i]->init_params(m->params_.data() + m->offsets_[i], rng);
  m->prepare();
  return m;
}

std::string Model::summary() const {
  std::string s = "Model \"" + spec_.name + "\", input " + spec_.input.str() + "\n";
  for (std::size_t i = 0; i < layers_.size(); ++i)
    s += "  " + layers_[i]->describe() + " -> " + layers_[i]->output_shape().str() + ", " +
         std::to_string(layers_[i]->param_count()) + " params\n";
  s += "  total params: " + std::to_string(params_.size()) + "\n";
  return s;
}

bool Model::wants_data_init() const {
  for (const auto& l : layers_)
    if (l->wants_data_init()) return true;
  return false;
}

void Model::prepare() {
  for (std::size_t i = 0; i < layers_.size(); ++i) layers_[i]->prepare(params_.data() + offsets_[i]);
}

void Model::finish_grads(float* grads) const {
  for (std::size_t i = 0; i < layers_.size(); ++i)
    layers_[i]->finish_grads(params_.data() + offsets_[i], grads + offsets_[i]);
}

}  // namespace wn
