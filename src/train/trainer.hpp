#pragma once
// One training or evaluation step on a batch, split across threads by samples.
// Each thread runs the whole net forward and backward on its slice with its own
// activations, scratch and gradient buffer; the gradients are then summed in
// thread order, weight norm finishes its gradient (eq. 3) and the optimiser steps.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../model.hpp"
#include "../optim/optimizer.hpp"
#include "thread_pool.hpp"

namespace wn {

struct BatchResult {
  double loss_sum = 0;  // Σ per-sample loss
  int correct = 0;
  int count = 0;
  double loss() const { return count ? loss_sum / count : 0.0; }
};

// Keras' running epoch metrics: sample-weighted means over the batches seen so far.
struct RunningMetrics {
  double loss_sum = 0;
  long correct = 0, count = 0;
  void add(const BatchResult& b) {
    loss_sum += b.loss_sum;
    correct += b.correct;
    count += b.count;
  }
  double loss() const { return count ? loss_sum / double(count) : 0.0; }
  double accuracy() const { return count ? double(correct) / double(count) : 0.0; }
};

// Why a training batch means the run has diverged, or "" if it has not: a NaN or infinite
// loss (Keras' TerminateOnNaN), or a mean loss above kDivergenceFactor × ln(classes), the
// loss of a uniform guess. A learning rate far too large (lr = 10 with Adam) drives the loss
// to 1e10 and then kills every ReLU, never producing a NaN; the bound catches it.
constexpr double kDivergenceFactor = 100;
std::string divergence(const BatchResult& batch, int classes);

struct TrainerOptions {
  int batch_size = 32;
  int threads = 1;
  std::uint64_t seed = 0;
};

class Trainer {
 public:
  Trainer(Model& model, Optimizer& optimizer, TrainerOptions options);
  ~Trainer();

  // A fresh permutation of [0, n) from the seeded generator (Keras shuffles each epoch).
  const std::vector<std::uint32_t>& shuffle(int n);

  // images: n × 32×32×3 uint8 NHWC (any input shape of the model), labels: n; n ≤ batch_size.
  BatchResult train_batch(const std::uint8_t* images, const std::uint8_t* labels, int n);
  BatchResult eval_batch(const std::uint8_t* images, const std::uint8_t* labels, int n);

  // Bytes a trainer for this model and these options allocates (workspaces, gradients,
  // optimiser state), so callers can refuse what will not fit before allocating it.
  static std::size_t memory_bytes(const Model& model, const TrainerOptions& options);

  int threads() const { return pool_.size(); }
  int batch_size() const { return options_.batch_size; }
  long steps_done() const { return steps_; }
  Model& model() { return model_; }

 private:
  struct Workspace;
  static int pool_size(const TrainerOptions& options);
  static int slice_capacity(const TrainerOptions& options);
  BatchResult run(const std::uint8_t* images, const std::uint8_t* labels, int n, bool train);
  void data_init(const std::uint8_t* images, int n);

  Model& model_;
  Optimizer& optimizer_;
  TrainerOptions options_;
  ThreadPool pool_;
  std::vector<std::unique_ptr<Workspace>> workspaces_;
  Floats grads_;
  Rng shuffle_rng_;
  std::vector<std::uint32_t> order_;
  long steps_ = 0;
  bool initialised_ = false;
};

}  // namespace wn
