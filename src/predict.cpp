#include "predict.hpp"

#include <algorithm>
#include <numeric>

#include "loss.hpp"
#include "tensor.hpp"
#include "train/batch.hpp"

namespace wn {

void Tally::add(const float* logits, const std::uint8_t* labels, int n, int classes) {
  for (int i = 0; i < n; ++i, ++seen) {
    const float* z = logits + std::size_t(i) * std::size_t(classes);
    ++confusion[labels[i]][std::max_element(z, z + classes) - z];  // the loss's rule: the first index on ties
    if (seen >= kInspectSamples) continue;
    Prediction p;
    p.label = labels[i];
    softmax(z, 1, classes, p.probs.data());
    predictions.push_back(p);
  }
}

void forward_logits(Model& model, const float* x, int n, float* logits) {
  model.prepare();  // weight norm's w = g·v/‖v‖ from the parameters as they are now
  const float* params = model.params().data();
  const float* state = model.state().data();
  Floats a, b, scratch;
  const float* in = x;
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Layer& layer = model.layer(i);
    Floats& out = i % 2 ? b : a;
    out.resize(std::size_t(n) * layer.output_shape().size());
    scratch.resize(std::max<std::size_t>(layer.scratch_floats(n), 1));
    layer.forward_eval(params + model.param_offset(i), state + model.state_offset(i), in, out.data(), n, scratch.data());
    in = out.data();
  }
  std::copy(in, in + std::size_t(n) * std::size_t(model.classes()), logits);
}

namespace {
// The images of a byte buffer, as an ImageSource for Batch.
class Pixels final : public ImageSource {
 public:
  Pixels(const std::uint8_t* images, int n) : images_(images), n_(n) {}
  int size() const override { return n_; }
  void gather(const std::uint32_t* index, int n, std::uint8_t* images, std::uint8_t* labels) const override {
    for (int i = 0; i < n; ++i) {
      std::copy_n(images_ + std::size_t(index[i]) * Dataset::kImageBytes, Dataset::kImageBytes, images + std::size_t(i) * Dataset::kImageBytes);
      labels[i] = 0;
    }
  }

 private:
  const std::uint8_t* images_;
  int n_;
};
}  // namespace

void predict(Model& model, const std::uint8_t* images, int n, float* probs) {
  std::vector<std::uint32_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0u);
  Batch batch(n);
  batch.stage(Pixels(images, n), order.data(), n);
  Floats logits(std::size_t(n) * std::size_t(model.classes()));
  forward_logits(model, batch.x(), n, logits.data());
  softmax(logits.data(), n, model.classes(), probs);
}

Evaluation evaluate(Model& model, const ImageSource& source, int n, int batch_size) {
  n = n > 0 ? std::min(n, source.size()) : source.size();
  batch_size = std::max(1, std::min(batch_size, std::max(n, 1)));
  const int classes = model.classes();
  Batch batch(batch_size);
  Floats logits(std::size_t(batch_size) * std::size_t(classes));
  std::vector<std::uint32_t> order(static_cast<std::size_t>(batch_size));
  Evaluation e;
  double loss_sum = 0;
  long correct = 0;
  for (int start = 0; start < n; start += batch_size) {
    const int m = std::min(batch_size, n - start);
    std::iota(order.begin(), order.begin() + m, std::uint32_t(start));
    batch.stage(source, order.data(), m);
    forward_logits(model, batch.x(), m, logits.data());
    const LossSums s = softmax_cross_entropy(logits.data(), batch.labels(), m, classes, 1.0f, nullptr);
    loss_sum += s.loss;
    correct += s.correct;
    e.tally.add(logits.data(), batch.labels(), m, classes);
  }
  e.count = n;
  e.loss = n ? loss_sum / n : 0;
  e.accuracy = n ? double(correct) / n : 0;
  return e;
}

}  // namespace wn
