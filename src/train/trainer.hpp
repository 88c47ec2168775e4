#pragma once
// One training or evaluation step on a batch, split across threads by samples.
// Each thread runs the whole net forward and backward on its slice with its own
// activations, scratch and gradient buffer; the gradients are then summed in
// thread order, weight norm finishes its gradient (eq. 3) and the optimiser steps.
// Layers that need whole-batch statistics in training (mean-only batch norm) split the
// step into passes: the threads stop there, their partial sums are added in thread order,
// and the next pass goes on with the batch's (layer.hpp, stats_size()). A net without
// such layers runs a step in one pass.
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

struct TrainerOptions {
  int batch_size = 32;
  int threads = 1;
};

class Trainer {
 public:
  Trainer(Model& model, Optimizer& optimizer, TrainerOptions options);
  ~Trainer();

  // x: n × the model's input shape, floats (a staged Batch: x/255), labels: n; n ≤ batch_size.
  // The first training batch also runs weight norm's data init unless initialise() ran before.
  BatchResult train_batch(const float* x, const std::uint8_t* labels, int n);
  // logits (optional): the n × classes outputs, for predictions and confusion matrices.
  BatchResult eval_batch(const float* x, const std::uint8_t* labels, int n, float* logits = nullptr);
  // Evaluation as training sees the net: layers with batch statistics (batch norm, mean-only batch
  // norm) normalise with these n samples' own, whole-batch across threads, instead of their moving
  // averages. Nothing is updated: no gradient, no step, no moving average.
  BatchResult eval_batch_stats(const float* x, const std::uint8_t* labels, int n);

  // Weight norm's data-dependent init (§3) on these samples, layer by layer, once per trainer
  // (with mean-only batch norm each layer's forward centres with these samples' means);
  // a no-op for models without it or once done.
  void initialise(const float* x, int n);

  // The last training step's gradient in the layout of the parameters (weight norm's ∇v, ∇g
  // after eq. 3), summed over the threads.
  const Floats& grads() const { return grads_; }

  // Bytes a trainer for this model and these options allocates (workspaces, gradients,
  // optimiser state), so callers can refuse what will not fit before allocating it.
  static std::size_t memory_bytes(const Model& model, const TrainerOptions& options);

  int threads() const { return pool_.size(); }
  int batch_size() const { return options_.batch_size; }
  long steps_done() const { return steps_; }
  Model& model() { return model_; }

 private:
  struct Workspace;
  struct Step;
  static int pool_size(const TrainerOptions& options);
  static int slice_capacity(const TrainerOptions& options);
  // train: forward with batch statistics, backward, step. batch_stats: forward with batch statistics
  // only. eval: forward with the moving averages (forward_eval).
  enum class Mode { train, batch_stats, eval };
  BatchResult execute_batch(const float* x, const std::uint8_t* labels, int n, Mode mode, float* logits);
  // Thread t's share of pass p of a step (see execute_batch()).
  void pass(Step& step, std::size_t p, int t);
  // total = the threads' partial sums, added in thread order.
  void reduce(std::vector<double>& total, std::size_t size) const;

  Model& model_;
  Optimizer& optimizer_;
  TrainerOptions options_;
  ThreadPool pool_;
  std::vector<std::unique_ptr<Workspace>> workspaces_;
  Floats grads_;
  // The layers a training step stops at for whole-batch statistics, in forward order, and their
  // batch's sums of the forward (the pre-activation) and of the backward (its gradient).
  std::vector<std::size_t> splits_;
  std::vector<std::vector<double>> forward_sums_, backward_sums_;
  long steps_ = 0;
  bool initialised_ = false;
  bool stale_ = false;  // the optimiser moved the parameters since the last prepare()
};

}  // namespace wn
