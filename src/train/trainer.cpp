#include "trainer.hpp"

#include <algorithm>
#include <numeric>

#include "../loss.hpp"

namespace wn {

namespace {
// Thread t's share of n samples: contiguous and fixed by (t, n, threads) alone.
std::pair<int, int> slice(int t, int n, int threads) {
  return {int(long(n) * t / threads), int(long(n) * (t + 1) / threads)};
}
}  // namespace

struct Trainer::Workspace {
  // Buffer sizes in floats for a slice of `capacity` samples: what a workspace allocates,
  // and so what memory_bytes() counts.
  struct Sizes {
    std::vector<std::size_t> acts, scratch;
    std::size_t widest = 0, grads = 0;

    Sizes(const Model& m, int capacity) : grads(m.params().size()) {
      widest = m.input_shape().size() * capacity;
      for (std::size_t i = 0; i < m.layer_count(); ++i) {
        acts.push_back(m.layer(i).output_shape().size() * capacity);
        scratch.push_back(m.layer(i).scratch_floats(capacity));
        widest = std::max(widest, acts.back());
      }
    }
    std::size_t total() const {
      return std::accumulate(acts.begin(), acts.end(), std::size_t(0)) +
             std::accumulate(scratch.begin(), scratch.end(), std::size_t(0)) + 2 * widest + grads;
    }
  };

  std::vector<Floats> acts;     // acts[i] = output of layer i; the input is read where it was staged
  std::vector<Floats> scratch;  // one region per layer: forward leaves what backward reads
  Floats grad_a, grad_b;        // ping-pong buffers for ∂loss/∂activation
  Floats grads;                 // this thread's parameter gradients, layout of params

  explicit Workspace(const Sizes& z) : grad_a(z.widest), grad_b(z.widest), grads(z.grads) {
    for (std::size_t n : z.acts) acts.emplace_back(n);
    for (std::size_t n : z.scratch) scratch.emplace_back(n);
  }
};

// The threads a step really uses: what was asked, within the batch and what the build can run.
int Trainer::pool_size(const TrainerOptions& o) {
  return std::max(1, std::min({o.threads, o.batch_size, ThreadPool::max_threads()}));
}

// Samples in the largest thread's slice of a full batch.
int Trainer::slice_capacity(const TrainerOptions& o) {
  const int T = pool_size(o);
  return (o.batch_size + T - 1) / T;
}

std::size_t Trainer::memory_bytes(const Model& model, const TrainerOptions& options) {
  const Workspace::Sizes sizes(model, slice_capacity(options));
  // Workspaces, the summed gradient, and an optimiser state of up to two vectors.
  return sizeof(float) * (pool_size(options) * sizes.total() + 3 * model.params().size());
}

Trainer::Trainer(Model& model, Optimizer& optimizer, TrainerOptions options)
    : model_(model), optimizer_(optimizer), options_(options), pool_(pool_size(options)), grads_(model.params().size()) {
  const Workspace::Sizes sizes(model_, slice_capacity(options_));
  for (int t = 0; t < pool_.size(); ++t) workspaces_.push_back(std::make_unique<Workspace>(sizes));
  initialised_ = !model_.wants_data_init();
}

Trainer::~Trainer() = default;

void Trainer::initialise(const float* x0, int n) {
  if (initialised_ || n <= 0) return;
  // Layer by layer in forward order on the whole batch, as TFA does inside the first call:
  // each layer's statistics see the already-initialised layers below.
  Floats x(x0, x0 + model_.input_shape().size() * n), y;
  for (std::size_t i = 0; i < model_.layer_count(); ++i) {
    Layer& layer = model_.layer(i);
    float* p = model_.params().data() + model_.param_offset(i);
    Floats scratch(layer.scratch_floats(n));
    if (layer.wants_data_init()) layer.data_init(p, x.data(), n, scratch.data());
    layer.prepare(p);
    y.assign(layer.output_shape().size() * n, 0.0f);
    layer.forward(p, x.data(), y.data(), n, scratch.data());
    std::swap(x, y);
  }
  initialised_ = true;
}

BatchResult Trainer::train_batch(const float* x, const std::uint8_t* labels, int n) {
  initialise(x, std::min(n, options_.batch_size));
  return run(x, labels, n, /*train=*/true, nullptr);
}

BatchResult Trainer::eval_batch(const float* x, const std::uint8_t* labels, int n, float* logits) {
  return run(x, labels, n, /*train=*/false, logits);
}

BatchResult Trainer::run(const float* x, const std::uint8_t* labels, int n, bool train, float* logits) {
  n = std::min(n, options_.batch_size);
  if (n <= 0) return {};
  const int T = pool_.size();
  std::vector<LossSums> sums(T);
  const float* params = model_.params().data();
  const int classes = model_.classes();
  const std::size_t in_size = model_.input_shape().size();

  pool_.run([&](int t) {
    const std::pair<int, int> range = slice(t, n, T);  // not a structured binding: the lambda below reads it
    const int s0 = range.first, m = range.second - range.first;
    Workspace& w = *workspaces_[t];
    if (train) std::fill(w.grads.begin(), w.grads.end(), 0.0f);
    if (m == 0) return;
    const std::size_t L = model_.layer_count();
    // The input of layer i: the staged batch for the first, the previous layer's output after.
    const auto input = [&](std::size_t i) { return i ? w.acts[i - 1].data() : x + std::size_t(s0) * in_size; };
    for (std::size_t i = 0; i < L; ++i)
      model_.layer(i).forward(params + model_.param_offset(i), input(i), w.acts[i].data(), m, w.scratch[i].data());
    const float* out = w.acts[L - 1].data();
    if (logits) std::copy(out, out + std::size_t(m) * classes, logits + std::size_t(s0) * classes);
    // Gradient of the batch mean: every thread scales by the whole batch's n.
    sums[t] = softmax_cross_entropy(out, labels + s0, m, classes, 1.0f / float(n), train ? w.grad_a.data() : nullptr);
    if (!train) return;
    float* dy = w.grad_a.data();
    float* dx = w.grad_b.data();
    for (std::size_t i = L; i-- > 0;) {
      model_.layer(i).backward(params + model_.param_offset(i), input(i), w.acts[i].data(), dy, i == 0 ? nullptr : dx,
                               w.grads.data() + model_.param_offset(i), m, w.scratch[i].data());
      std::swap(dy, dx);
    }
  });

  BatchResult result;
  result.count = n;
  for (const LossSums& s : sums) {
    result.loss_sum += s.loss;
    result.correct += s.correct;
  }
  if (!train) return result;

  // Sum in thread order: the same threads count gives the same bits every run.
  std::copy(workspaces_[0]->grads.begin(), workspaces_[0]->grads.end(), grads_.begin());
  for (int t = 1; t < T; ++t)
    for (std::size_t i = 0; i < grads_.size(); ++i) grads_[i] += workspaces_[t]->grads[i];
  model_.finish_grads(grads_.data());
  optimizer_.step(model_.params().data(), grads_.data(), grads_.size());
  // Derived weights (weight norm's w = g·v/‖v‖) follow the parameters at once, so an evaluation
  // right after this step sees the weights it just made, as Keras' call() does.
  model_.prepare();
  ++steps_;
  return result;
}

}  // namespace wn
