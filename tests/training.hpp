#pragma once
// A model, its Adam and its trainer, built together for tests that train.
#include <memory>

#include "train/fit.hpp"

namespace wn::test {

struct Training {
  std::unique_ptr<Model> model;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<Trainer> trainer;
};

inline Training training(Preset p, TrainerOptions options, float lr = 1e-3f, WnInit init = WnInit::tfa) {
  Training t;
  t.model = std::move(Model::build(preset(p, init), options.seed).value());
  t.optimizer = make_adam({lr});
  t.trainer = std::make_unique<Trainer>(*t.model, *t.optimizer, options);
  return t;
}

}  // namespace wn::test
