#include "architecture.hpp"

#include <cmath>

#include "limits.hpp"

namespace wn {

namespace {

struct Preset {
  const char* name;
  const char* spec;
};
constexpr Preset kPresets[] = {
    {"lenet", "c6k5-p2-c16k5-p2-f-d120-d84-d10"},
    {"convpool-c", "lrelu-c96k3s-c96k3s-c96k3s-p2-c192k3s-c192k3s-c192k3s-p2-c192k3v-c192k1-c192k1-gap-d10"},
};
constexpr int kClasses = 10;

// A token read left to right; every read says whether it matched.
struct Cursor {
  const std::string& t;
  std::size_t at = 0;
  bool done() const { return at == t.size(); }
  bool literal(const char* s) {
    const std::size_t n = std::char_traits<char>::length(s);
    if (t.compare(at, n, s) != 0) return false;
    at += n;
    return true;
  }
  // Decimal digits as a number in [1, max], or an error naming the token.
  Result<int> number(const char* what, int max) {
    const std::size_t start = at;
    long v = 0;
    while (at < t.size() && t[at] >= '0' && t[at] <= '9') {
      if (v <= max) v = v * 10 + (t[at] - '0');  // stops growing past max: no overflow on 10^40
      ++at;
    }
    if (at == start) return Error{"'" + t + "': " + what + " needs a number"};
    if (v < 1 || v > max)
      return Error{"'" + t + "': " + what + " must be from 1 to " + std::to_string(max)};
    return int(v);
  }
};

Result<LayerSpec> parse_layer(const std::string& token, Activation act) {
  Cursor c{token};
  LayerSpec l = LayerSpec::flatten();
  if (c.literal("gap")) {
    l = LayerSpec::global_avg_pool();
  } else if (c.literal("c")) {
    auto filters = c.number("a convolution's filters", limits::kMaxUnits);
    if (!filters) return Error{filters.message()};
    if (!c.literal("k")) return Error{"'" + token + "': a convolution is c<filters>k<size>, e.g. c32k3s"};
    auto size = c.number("a kernel size", limits::kMaxKernel);
    if (!size) return Error{size.message()};
    const Padding pad = c.literal("s") ? Padding::same : (c.literal("v"), Padding::valid);
    l = LayerSpec::conv(*filters, *size, act, 1, pad);
  } else if (c.literal("p")) {
    auto size = c.number("a pool size", limits::kMaxKernel);
    if (!size) return Error{size.message()};
    l = LayerSpec::maxpool(*size, *size);
  } else if (c.literal("d")) {
    auto units = c.number("a dense layer's units", limits::kMaxUnits);
    if (!units) return Error{units.message()};
    l = LayerSpec::dense(*units, act);
  } else if (!c.literal("f")) {
    return Error{"'" + token + "' is not a layer: c<filters>k<size>[s|v], p<size>, gap, f or d<units>"};
  }
  if (!c.done()) return Error{"'" + token + "': unexpected '" + token.substr(c.at) + "'"};
  return l;
}

Result<Architecture> parse_spec(const std::string& text) {
  std::vector<std::string> tokens;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dash = text.find('-', start);
    tokens.push_back(text.substr(start, dash == std::string::npos ? std::string::npos : dash - start));
    if (tokens.back().empty()) return Error{"the architecture has an empty layer (two '-' in a row, or one at an end)"};
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  Activation act = Activation::relu;
  std::size_t first = 0;
  if (tokens[0] == "relu" || tokens[0] == "lrelu") act = tokens[0] == "lrelu" ? Activation::leaky_relu : Activation::relu, first = 1;
  if (tokens.size() - first > std::size_t(limits::kMaxLayers))
    return Error{"an architecture has at most " + std::to_string(limits::kMaxLayers) + " layers"};
  Architecture arch{text, {}};
  for (std::size_t i = first; i < tokens.size(); ++i) {
    auto layer = parse_layer(tokens[i], act);
    if (!layer) return Error{layer.message()};
    arch.layers.push_back(*layer);
  }
  if (arch.layers.empty() || tokens.back() != "d" + std::to_string(kClasses))
    return Error{"the last layer must be d" + std::to_string(kClasses) + ", CIFAR-10's " + std::to_string(kClasses) +
                 " classes"};
  arch.layers.back().activation = Activation::linear;  // the logits; the softmax is in the loss
  return arch;
}

// The layers at width w: hidden Conv2D filters and Dense units scaled.
std::vector<LayerSpec> scaled(std::vector<LayerSpec> layers, double width) {
  for (std::size_t i = 0; i + 1 < layers.size(); ++i) {
    LayerSpec& l = layers[i];
    if (l.kind == LayerSpec::Kind::conv2d || l.kind == LayerSpec::Kind::dense)
      l.units = int(std::max(1.0, std::round(l.units * width)));
  }
  return layers;
}

}  // namespace

std::string architecture_presets() {
  std::string s;
  for (const Preset& p : kPresets) s += std::string(s.empty() ? "" : ", ") + p.name;
  return s;
}

Result<Architecture> parse_architecture(const std::string& text) {
  if (text.empty()) return Error{"the architecture is empty: a preset (" + architecture_presets() + ") or a spec"};
  if (text.size() > std::size_t(limits::kMaxArchitectureChars))
    return Error{"an architecture spec has at most " + std::to_string(limits::kMaxArchitectureChars) + " characters"};
  for (const Preset& p : kPresets)
    if (text == p.name) {
      auto arch = parse_spec(p.spec);
      if (arch) arch->name = p.name;
      return arch;
    }
  auto arch = parse_spec(text);
  if (!arch) return arch;
  // Shapes on the 32×32×3 input (kernels and pools that fit), as the plain model sees them.
  const Status fits = Model::check(model_spec(text, arch->layers, ModelKind::regular, WnInit::none));
  if (!fits) return Error{fits.message()};
  return arch;
}

Result<ModelSpec> architecture_model(const Architecture& arch, double width, ModelKind kind, WnInit init) {
  if (!(width >= limits::kMinWidth && width <= limits::kMaxWidth))
    return Error{"the width must be from " + std::to_string(limits::kMinWidth) + " to " + std::to_string(limits::kMaxWidth)};
  return model_spec(model_kind_name(kind), scaled(arch.layers, width), kind, init);
}

Result<std::unique_ptr<Model>> build_model(const std::string& text, double width, ModelKind kind, WnInit init,
                                           std::uint64_t seed) {
  auto arch = parse_architecture(text);
  if (!arch) return Error{arch.message()};
  auto spec = architecture_model(*arch, width, kind, init);
  if (!spec) return Error{spec.message()};
  return Model::build(*spec, seed);
}

ModelCost model_cost(const Model& model) {
  ModelCost c;
  c.params = model.params().size();
  c.state = model.state().size();
  bool first = true;
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Layer& l = model.layer(i);
    const Weights w = l.weights(model.params().data() + model.param_offset(i));
    if (!w) continue;
    const double pixels = double(l.output_shape().h) * l.output_shape().w;
    const double macs = double(w.rows) * w.cols * pixels;
    c.forward_flops += 2 * macs;
    c.train_flops += 2 * macs * (first ? 2 : 3);  // forward, ∇kernel, and ∇input past the first
    first = false;
  }
  return c;
}

Result<ModelCost> architecture_cost(const std::string& arch, double width, ModelKind kind) {
  auto model = build_model(arch, width, kind, WnInit::none, 1);
  if (!model) return Error{model.message()};
  return model_cost(**model);
}

}  // namespace wn
