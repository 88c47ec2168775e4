#pragma once
// The experiments the page offers and `wn-train --experiment NAME` runs: each a grid of
// variants (model × weight-norm init) × seeds × sweeps (an optimiser and its learning rates),
// with the data and epochs that make its point. Defined once here; the page reads them from
// the module's catalog.
#include <optional>
#include <string>
#include <vector>

#include "train/run.hpp"

namespace wn {

// An optimiser with the learning rates to try.
struct Sweep {
  OptimizerKind optimizer = OptimizerKind::adam;
  float momentum = 0.0f;
  std::vector<float> learning_rates{1e-3f};
};

struct Experiment {
  std::string name, title;
  std::string text;  // what it shows, what the paper predicts, what our native runs measured
  std::vector<ModelKind> models;
  std::vector<WnInit> wn_inits;  // for the weight-normalised models; the plain one has none
  std::vector<Sweep> sweeps;
  int seeds;  // runs 1..seeds
  int epochs, train_samples, test_samples;
  std::vector<int> batch_sizes{32};  // a grid dimension, like the learning rates
  std::string arch = "lenet";  // architecture.hpp
  float width = 1;
  std::optional<int> init_samples = std::nullopt;  // weight norm's data init: one batch unless given
};

const std::vector<Experiment>& experiments();
const Experiment* find_experiment(const std::string& name);
std::string experiment_names();  // for messages

}  // namespace wn
