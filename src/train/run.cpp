#include "run.hpp"

namespace wn {

const char* optimizer_name(OptimizerKind kind) { return kind == OptimizerKind::adam ? "adam" : "sgd"; }

namespace {
TrainerOptions trainer_options(const RunConfig& c) { return {c.batch_size, c.threads}; }
}  // namespace

Result<std::unique_ptr<Run>> Run::create(const RunConfig& c, const ImageSource& train, const ImageSource& test) {
  auto model = Model::build(preset(c.model, c.wn_init), c.seed);
  if (!model) return Error{model.message()};
  std::unique_ptr<Run> run(new Run());
  run->config_ = c;
  run->model_ = std::move(model.value());
  run->optimizer_ = c.optimizer == OptimizerKind::adam ? make_adam({c.learning_rate}) : make_sgd({c.learning_rate, c.momentum});
  run->trainer_ = std::make_unique<Trainer>(*run->model_, *run->optimizer_, trainer_options(c));
  run->loop_ = std::make_unique<FitLoop>(*run->trainer_, train, test,
                                         FitOptions{c.epochs, c.progress_every, c.seed, c.init_samples, c.diagnostics});
  return run;
}

std::size_t Run::memory_bytes(const RunConfig& c) {
  auto model = Model::build(preset(c.model, c.wn_init), c.seed);
  return model ? Trainer::memory_bytes(*model.value(), trainer_options(c)) : 0;
}

}  // namespace wn
