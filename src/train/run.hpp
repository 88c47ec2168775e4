#pragma once
// One training run, a cell of an experiment: which model, which optimiser, which seed. The CLI
// runs a grid of these in turn; the page hands them to its workers. Both build them here.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../model.hpp"
#include "../optim/optimizer.hpp"
#include "../status.hpp"
#include "fit_loop.hpp"

namespace wn {

enum class OptimizerKind { adam, sgd };
const char* optimizer_name(OptimizerKind kind);

struct RunConfig {
  std::string arch = "lenet";  // a preset or a spec (architecture.hpp)
  float width = 1;             // multiplies the hidden layers' filters and units
  ModelKind model = ModelKind::regular;
  WnInit wn_init = WnInit::tfa;
  OptimizerKind optimizer = OptimizerKind::adam;
  float learning_rate = 1e-3f;
  float momentum = 0.0f;  // SGD only
  // The initial weights (v = the plain kernel) and the data order: one seed pairs every model.
  std::uint64_t seed = 0;
  int batch_size = 32;
  int epochs = 10;
  int threads = 1;
  int progress_every = 25;
  std::optional<int> init_samples;  // weight norm's data init: one batch unless given
  bool diagnostics = false;         // sample per-layer diagnostics (FitOptions::diagnostics)
  // Start from these weights (a snapshot: parameters, then state; io/weights.hpp) instead of
  // drawing them; no data init then.
  std::shared_ptr<const std::vector<float>> initial_weights;
};

// The model c describes: its architecture at its width, as its kind, with weight norm's init.
Result<ModelSpec> run_model_spec(const RunConfig& c, WnInit init);
// That model, its weights drawn from c.seed.
Result<std::unique_ptr<Model>> build_run_model(const RunConfig& c, WnInit init);

// Weight norm's data init estimates each unit's mean and variance on its init batch; a Dense
// unit has only one value per image, so below this many images the estimates (and the scale
// g = 1/σ) are noise, and at 1–3 images a unit's σ is near 0 and training diverges.
constexpr int kMinInitSamples = 16;

// Why a run's settings are doubtful on a training set of train_images, each a sentence; empty
// when they are fine.
std::vector<std::string> run_warnings(const RunConfig& c, int train_images);

class Run {
 public:
  // Builds the model (weights drawn from the seed), the optimiser, the trainer and the loop.
  static Result<std::unique_ptr<Run>> create(const RunConfig& config, const ImageSource& train, const ImageSource& test);
  // Bytes the trainer of such a run allocates, so callers can refuse what will not fit first.
  static std::size_t memory_bytes(const RunConfig& config);

  const RunConfig& config() const { return config_; }
  Model& model() { return *model_; }
  const Model& model() const { return *model_; }
  const Optimizer& optimizer() const { return *optimizer_; }
  Trainer& trainer() { return *trainer_; }
  FitLoop& loop() { return *loop_; }
  const FitLoop& loop() const { return *loop_; }
  const History& history() const { return loop_->history(); }

 private:
  Run() = default;
  RunConfig config_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<Trainer> trainer_;
  std::unique_ptr<FitLoop> loop_;
};

}  // namespace wn
