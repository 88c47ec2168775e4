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
    std::size_t widest = 0, grads = 0, stats = 0;

    Sizes(const Model& m, int capacity) : grads(m.params().size()) {
      widest = m.input_shape().size() * capacity;
      for (std::size_t i = 0; i < m.layer_count(); ++i) {
        acts.push_back(m.layer(i).output_shape().size() * capacity);
        scratch.push_back(m.layer(i).scratch_floats(capacity));
        widest = std::max(widest, acts.back());
        stats = std::max(stats, m.layer(i).stats_size());
      }
    }
    std::size_t total() const {
      return std::accumulate(acts.begin(), acts.end(), std::size_t(0)) +
             std::accumulate(scratch.begin(), scratch.end(), std::size_t(0)) + 2 * widest + grads +
             stats * sizeof(double) / sizeof(float);
    }
  };

  std::vector<Floats> acts;     // acts[i] = output of layer i; the input is read where it was staged
  std::vector<Floats> scratch;  // one region per layer: forward leaves what backward reads
  Floats grad_a, grad_b;        // ping-pong buffers for ∂loss/∂activation
  Floats grads;                 // this thread's parameter gradients, layout of params
  std::vector<double> sums;     // this slice's statistics at the layer a pass stopped at

  explicit Workspace(const Sizes& z) : grad_a(z.widest), grad_b(z.widest), grads(z.grads), sums(z.stats) {
    for (std::size_t n : z.acts) acts.emplace_back(n);
    for (std::size_t n : z.scratch) scratch.emplace_back(n);
  }
};

// What every pass of one execute_batch() reads.
struct Trainer::Step {
  const float* x;
  const std::uint8_t* labels;
  int n;
  bool train;       // backward and gradients too
  bool batch_stats;  // forward as in training: split layers use the batch's statistics
  float* logits;
  std::vector<LossSums> loss;  // per thread
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
  for (std::size_t i = 0; i < model_.layer_count(); ++i)
    if (model_.layer(i).stats_size()) splits_.push_back(i);
  forward_sums_.resize(splits_.size());
  backward_sums_.resize(splits_.size());
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
  return execute_batch(x, labels, n, Mode::train, nullptr);
}

BatchResult Trainer::eval_batch(const float* x, const std::uint8_t* labels, int n, float* logits) {
  return execute_batch(x, labels, n, Mode::eval, logits);
}

BatchResult Trainer::eval_batch_stats(const float* x, const std::uint8_t* labels, int n) {
  return execute_batch(x, labels, n, Mode::batch_stats, nullptr);
}

// A training step with S split layers runs 2S + 1 passes, each a pool.run:
//   passes 0 … S−1:  forward up to split p, whose forward only starts (its slice's sums);
//   pass S:          forward to the loss, backward down to split S−1 (started: its gradient's sums);
//   passes S+1 … 2S: backward from the split finished there down to the next one, or the input.
// Between passes the threads' sums are added in thread order. Evaluation runs one pass with each
// layer's forward_eval (the running mean, no batch statistics), and so does a net without splits.
// Evaluation with batch statistics runs the forward passes 0 … S only.
BatchResult Trainer::execute_batch(const float* x, const std::uint8_t* labels, int n, Mode mode, float* logits) {
  const bool train = mode == Mode::train, batch_stats = mode != Mode::eval;
  n = std::min(n, options_.batch_size);
  if (n <= 0) return {};
  // Weight norm's w = g·v/‖v‖: every training step, and for evaluation after the optimiser
  // moved the parameters (else validation would run the weights of one step before).
  if (train || stale_) model_.prepare(), stale_ = false;
  const int T = pool_.size();
  Step step{x, labels, n, train, batch_stats, logits, std::vector<LossSums>(T)};
  const std::size_t S = batch_stats ? splits_.size() : 0;
  for (std::size_t p = 0; p <= (train ? 2 * S : S); ++p) {
    pool_.run([&](int t) { pass(step, p, t); });
    if (p < S)
      reduce(forward_sums_[p], model_.layer(splits_[p]).stats_size());
    else if (p < 2 * S)
      reduce(backward_sums_[2 * S - 1 - p], model_.layer(splits_[2 * S - 1 - p]).stats_size());
  }

  BatchResult result;
  result.count = n;
  for (const LossSums& s : step.loss) {
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
  for (std::size_t k = 0; k < S; ++k) {
    const std::size_t i = splits_[k];
    model_.layer(i).update_state(model_.state().data() + model_.state_offset(i), forward_sums_[k].data(), n);
  }
  stale_ = true;
  ++steps_;
  return result;
}

void Trainer::reduce(std::vector<double>& total, std::size_t size) const {
  total.assign(size, 0.0);
  for (const auto& w : workspaces_)
    for (std::size_t j = 0; j < size; ++j) total[j] += w->sums[j];
}

void Trainer::pass(Step& step, std::size_t p, int t) {
  const std::pair<int, int> range = slice(t, step.n, pool_.size());  // not a structured binding: lambdas read it
  const int s0 = range.first, m = range.second - range.first;
  Workspace& w = *workspaces_[t];
  if (step.train && p == 0) std::fill(w.grads.begin(), w.grads.end(), 0.0f);
  if (m == 0) {  // a slice without samples adds nothing to the batch's sums
    std::fill(w.sums.begin(), w.sums.end(), 0.0);
    return;
  }
  const std::size_t L = model_.layer_count(), S = step.batch_stats ? splits_.size() : 0;
  const float* params = model_.params().data();
  const auto P = [&](std::size_t i) { return params + model_.param_offset(i); };
  const auto dP = [&](std::size_t i) { return w.grads.data() + model_.param_offset(i); };
  // The input of layer i: the staged batch for the first, the previous layer's output after.
  const auto input = [&](std::size_t i) {
    return i ? w.acts[i - 1].data() : step.x + std::size_t(s0) * model_.input_shape().size();
  };
  // ∂loss/∂(output of layer i), and where layer i writes ∂loss/∂(its input): the ping-pong
  // buffers alternate from the last layer down, so every pass finds them without state.
  const auto dy = [&](std::size_t i) { return ((L - 1 - i) % 2 ? w.grad_b : w.grad_a).data(); };
  const auto dx = [&](std::size_t i) { return i ? ((L - 1 - i) % 2 ? w.grad_a : w.grad_b).data() : nullptr; };

  if (p <= S) {
    // Forward from the split this pass finishes (or the input) to the next split (or the loss).
    std::size_t i = 0;
    if (p > 0) {
      i = splits_[p - 1];
      model_.layer(i).forward_finish(P(i), forward_sums_[p - 1].data(), step.n, w.acts[i].data(), m, w.scratch[i].data());
      ++i;
    }
    const std::size_t end = p < S ? splits_[p] : L;
    for (; i < end; ++i) {
      const Layer& layer = model_.layer(i);
      if (step.batch_stats)
        layer.forward(P(i), input(i), w.acts[i].data(), m, w.scratch[i].data());
      else
        layer.forward_eval(P(i), model_.state().data() + model_.state_offset(i), input(i), w.acts[i].data(), m,
                           w.scratch[i].data());
    }
    if (p < S) {
      model_.layer(end).forward_partial(P(end), input(end), w.acts[end].data(), m, w.scratch[end].data(), w.sums.data());
      return;
    }
    const int classes = model_.classes();
    const float* out = w.acts[L - 1].data();
    if (step.logits) std::copy(out, out + std::size_t(m) * classes, step.logits + std::size_t(s0) * classes);
    // Gradient of the batch mean: every thread scales by the whole batch's n.
    step.loss[t] = softmax_cross_entropy(out, step.labels + s0, m, classes, 1.0f / float(step.n),
                                         step.train ? dy(L - 1) : nullptr);
    if (!step.train) return;
  }
  // Backward from the loss (pass S) or the split this pass finishes (q < S), down to the next
  // split, whose backward only starts, or through the first layer.
  const std::size_t q = 2 * S - p, top = q < S ? splits_[q] : L, bottom = q ? splits_[q - 1] + 1 : 0;
  if (q < S)
    model_.layer(top).backward_finish(P(top), backward_sums_[q].data(), step.n, input(top), w.acts[top].data(), dx(top),
                                      dP(top), m, w.scratch[top].data());
  for (std::size_t i = top; i-- > bottom;)
    model_.layer(i).backward(P(i), input(i), w.acts[i].data(), dy(i), dx(i), dP(i), m, w.scratch[i].data());
  if (q > 0) {
    const std::size_t k = bottom - 1;
    model_.layer(k).backward_partial(P(k), w.acts[k].data(), dy(k), dP(k), m, w.scratch[k].data(), w.sums.data());
  }
}

}  // namespace wn
