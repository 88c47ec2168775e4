#include "run.hpp"

#include "../architecture.hpp"
#include "../io/weights.hpp"

namespace wn {

const char* optimizer_name(OptimizerKind kind) { return kind == OptimizerKind::adam ? "adam" : "sgd"; }

Result<ModelSpec> run_model_spec(const RunConfig& c, WnInit init) {
  auto arch = parse_architecture(c.arch);
  if (!arch) return Error{arch.message()};
  return architecture_model(arch.value(), c.width, c.model, init);
}

Result<std::unique_ptr<Model>> build_run_model(const RunConfig& c, WnInit init) {
  auto spec = run_model_spec(c, init);
  if (!spec) return Error{spec.message()};
  return Model::build(spec.value(), c.seed);
}

namespace {
TrainerOptions trainer_options(const RunConfig& c) { return {c.batch_size, c.threads}; }
}  // namespace

Result<std::unique_ptr<Run>> Run::create(const RunConfig& c, const ImageSource& train, const ImageSource& test) {
  // Saved weights replace the drawn ones, and a data init would overwrite their g and bias:
  // such a model is built with init 'none', which has none.
  auto model = build_run_model(c, c.initial_weights ? WnInit::none : c.wn_init);
  if (!model) return Error{model.message()};
  if (c.initial_weights) {
    Status s = restore(*model.value(), c.initial_weights->data(), c.initial_weights->size());
    if (!s) return Error{s.message()};
  }
  std::unique_ptr<Run> run(new Run());
  run->config_ = c;
  run->model_ = std::move(model.value());
  run->optimizer_ = c.optimizer == OptimizerKind::adam ? make_adam({c.learning_rate}) : make_sgd({c.learning_rate, c.momentum});
  run->trainer_ = std::make_unique<Trainer>(*run->model_, *run->optimizer_, trainer_options(c));
  run->loop_ = std::make_unique<FitLoop>(*run->trainer_, train, test,
                                         FitOptions{c.epochs, c.progress_every, c.seed, c.init_samples, c.diagnostics,
                                                    /*batch_stat_validation=*/c.model == ModelKind::batchnorm});
  return run;
}

std::vector<std::string> run_warnings(const RunConfig& c, int train_images) {
  std::vector<std::string> out;
  // What FitLoop's data init takes: the images asked for, as far as the training set has them.
  const int init = std::min(c.init_samples.value_or(c.batch_size), train_images);
  const bool data_init = uses_weight_norm(c.model) && c.wn_init != WnInit::none && !c.initial_weights;
  if (data_init && init < kMinInitSamples)
    out.push_back("weight norm's data init sees only " + std::to_string(init) + " image(s), too few for its per-unit statistics (" +
                  std::to_string(kMinInitSamples) + " or more; the paper used 500): choose more init images");
  if (c.batch_size > train_images)
    out.push_back("the batch of " + std::to_string(c.batch_size) + " is larger than the " + std::to_string(train_images) +
                  " training image(s): every step sees the whole set");
  return out;
}

std::size_t Run::memory_bytes(const RunConfig& c) {
  auto model = build_run_model(c, c.wn_init);
  return model ? Trainer::memory_bytes(*model.value(), trainer_options(c)) : 0;
}

}  // namespace wn
