#include "weights.hpp"

#include <algorithm>
#include <cmath>

namespace wn {

namespace {
// Where each named array lives: in the model's parameters, or in its state.
struct Slot {
  std::string name;
  std::vector<int> shape;
  std::size_t offset;
  bool state = false;
};

std::vector<Slot> slots(const Model& model) {
  std::vector<Slot> out;
  const float* params = model.params().data();
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Layer& l = model.layer(i);
    const std::string& layer = model.layer_name(i);
    const Weights w = l.weights(params + model.param_offset(i));
    if (w) {
      const auto at = [&](const float* p) { return std::size_t(p - params); };
      out.push_back({layer + (w.g ? "/v" : "/kernel"), w.kernel_shape, at(w.kernel)});
      if (w.bias) out.push_back({layer + "/bias", {w.cols}, at(w.bias)});
      if (w.g) out.push_back({layer + "/g", {w.cols}, at(w.g)});
    }
    for (const Layer::NamedSlice& a : l.named_arrays())
      out.push_back({layer + "/" + a.name, {int(a.size)}, (a.state ? model.state_offset(i) : model.param_offset(i)) + a.offset,
                     a.state});
  }
  return out;
}

const float* source(const Model& m, const Slot& s) { return (s.state ? m.state() : m.params()).data() + s.offset; }

std::size_t elements(const std::vector<int>& shape) {
  std::size_t n = 1;
  for (int d : shape) n *= std::size_t(d);
  return n;
}
}  // namespace

std::vector<float> effective_kernel(const Weights& w) {
  std::vector<float> k(w.kernel, w.kernel + std::size_t(w.rows) * w.cols);
  if (!w.g) return k;
  for (int j = 0; j < w.cols; ++j) {  // w = g·v/‖v‖ (eq. 2)
    double ss = 0;
    for (int r = 0; r < w.rows; ++r) ss += double(k[std::size_t(r) * w.cols + j]) * k[std::size_t(r) * w.cols + j];
    const double scale = ss > 0 ? w.g[j] / std::sqrt(ss) : 0.0;
    for (int r = 0; r < w.rows; ++r) k[std::size_t(r) * w.cols + j] = float(k[std::size_t(r) * w.cols + j] * scale);
  }
  return k;
}

std::vector<NamedArray> export_weights(const Model& model) {
  std::vector<NamedArray> out;
  for (const Slot& s : slots(model)) {
    const float* p = source(model, s);
    out.push_back({s.name, {s.shape, std::vector<float>(p, p + elements(s.shape))}});
  }
  return out;
}

std::vector<ArrayLayout> weight_layout(const Model& model) {
  std::vector<ArrayLayout> out;
  for (const Slot& s : slots(model)) out.push_back({s.name, s.shape});
  return out;
}

std::vector<float> snapshot(const Model& model) {
  std::vector<float> out(model.params().begin(), model.params().end());
  out.insert(out.end(), model.state().begin(), model.state().end());
  return out;
}

Status restore(Model& model, const float* values, std::size_t count) {
  const std::size_t params = model.params().size(), state = model.state().size();
  if (count != params + state)
    return Error{"the weights hold " + std::to_string(count) + " values, the model \"" + model.spec().name + "\" has " +
                 std::to_string(params + state)};
  std::copy(values, values + params, model.params().begin());
  std::copy(values + params, values + count, model.state().begin());
  model.prepare();
  return {};
}

Status import_weights(Model& model, const std::vector<NamedArray>& arrays) {
  const std::vector<Slot> wanted = slots(model);
  for (std::size_t i = 0; i < arrays.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (arrays[i].name == arrays[j].name) return Error{"the weights hold '" + arrays[i].name + "' twice"};
  for (const NamedArray& a : arrays)
    if (std::none_of(wanted.begin(), wanted.end(), [&](const Slot& s) { return s.name == a.name; }))
      return Error{"the weights hold '" + a.name + "', which the model \"" + model.spec().name + "\" does not have"};
  std::vector<const NamedArray*> found;
  for (const Slot& s : wanted) {
    auto it = std::find_if(arrays.begin(), arrays.end(), [&](const NamedArray& a) { return a.name == s.name; });
    if (it == arrays.end()) return Error{"the weights lack '" + s.name + "' of the model \"" + model.spec().name + "\""};
    if (it->array.shape != s.shape)
      return Error{"'" + s.name + "' has shape " + shape_text(it->array.shape) + ", the model needs " + shape_text(s.shape)};
    // A NaN or an infinity (a float64 1e300 becomes one in float32) would only show up as a
    // loss of nan after the first step.
    if (!std::all_of(it->array.data.begin(), it->array.data.end(), [](float v) { return std::isfinite(v); }))
      return Error{"'" + s.name + "' holds NaN or infinite values"};
    found.push_back(&*it);
  }
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    Floats& into = wanted[i].state ? model.state() : model.params();
    std::copy(found[i]->array.data.begin(), found[i]->array.data.end(), into.begin() + std::ptrdiff_t(wanted[i].offset));
  }
  model.prepare();
  return {};
}

}  // namespace wn
