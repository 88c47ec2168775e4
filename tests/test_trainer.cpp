#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

#include "training.hpp"

using namespace wn;


TEST_CASE("the same seed gives the same history, bit for bit") {
  const Dataset data = test::quadrants(200, 3);
  for (ModelKind p : kModelKinds) {
    const std::string name = model_kind_name(p);
    CAPTURE(name);
    const History a = test::fit(test::config(p, 2), data, data), b = test::fit(test::config(p, 2), data, data);
    REQUIRE(a.epochs.size() == 1);
    CHECK(a.epochs[0].loss == b.epochs[0].loss);
    CHECK(a.epochs[0].val_loss == b.epochs[0].val_loss);
    CHECK(a.epochs[0].accuracy == b.epochs[0].accuracy);
    CHECK(test::fit(test::config(p, 2, 2), data, data).epochs[0].loss != a.epochs[0].loss);
  }
}

TEST_CASE("1, 2 and 3 threads agree (only the summation order differs)") {
  const Dataset data = test::quadrants(200, 4);
  for (ModelKind p : kModelKinds)  // wn-mobn: the batch means too are the whole batch's (test_mean_only_bn.cpp)
    for (int threads : {2, 3}) {  // 3 splits 32 unevenly, and the last batch of 8 too
      const std::string name = model_kind_name(p);
      CAPTURE(name);
      CAPTURE(threads);
      const History one = test::fit(test::config(p, 1), data, data), many = test::fit(test::config(p, threads), data, data);
      // Tolerance: float rounding differences compound over 7 Adam steps; 1e-4 relative.
      CHECK(many.epochs[0].loss == doctest::Approx(one.epochs[0].loss).epsilon(1e-4));
      CHECK(many.epochs[0].val_loss == doctest::Approx(one.epochs[0].val_loss).epsilon(1e-4));
    }
}

TEST_CASE("weight norm's data init runs once, on the batch it is given, layer by layer") {
  const Batch batch = test::first_batch(test::quadrants(64, 6), 64);
  auto model = std::move(Model::build(lenet(ModelKind::weightnorm, WnInit::paper), 1).value());
  auto sgd = make_sgd({0.0f});  // lr 0: only the init moves the parameters
  Trainer trainer(*model, *sgd, {64, 1});
  const Floats before = model->params();
  trainer.initialise(batch.x(), 64);
  const Floats after = model->params();
  // First layer: g (after kernel 450 + bias 6) is no longer 1, the bias no longer 0; v is untouched.
  CHECK(after[450] != 0.0f);
  CHECK(after[456] != 1.0f);
  CHECK(after[0] == before[0]);
  // Once only: neither a second initialise nor the first training step reruns it.
  trainer.initialise(batch.x() + 3072, 32);
  trainer.train_batch(batch.x() + 3072, batch.labels() + 1, 32);
  CHECK(model->params() == after);
}

TEST_CASE("grads() is the summed gradient of the last step, eval_batch hands out the logits") {
  const Batch batch = test::first_batch(test::quadrants(32, 9), 32);
  auto model = std::move(Model::build(lenet(ModelKind::regular), 1).value());
  auto sgd = make_sgd({0.5f});
  Trainer trainer(*model, *sgd, {32, 2});
  Floats logits(32 * 10);
  const BatchResult eval = trainer.eval_batch(batch.x(), batch.labels(), 32, logits.data());
  // The loss recomputed from the logits it handed out.
  double loss = 0;
  for (int i = 0; i < 32; ++i) {
    const float* z = logits.data() + i * 10;
    double denom = 0, zmax = *std::max_element(z, z + 10);
    for (int c = 0; c < 10; ++c) denom += std::exp(double(z[c]) - zmax);
    loss += std::log(denom) - (double(z[batch.labels()[i]]) - zmax);
  }
  CHECK(loss == doctest::Approx(eval.loss_sum).epsilon(1e-6));
  const Floats before = model->params();
  trainer.train_batch(batch.x(), batch.labels(), 32);
  // SGD: θ' = θ − lr·∇θ, so the step is −lr·grads().
  std::size_t checked = 0;
  for (std::size_t i = 0; i < before.size(); i += 97, ++checked)
    CHECK(model->params()[i] == doctest::Approx(before[i] - 0.5f * trainer.grads()[i]).epsilon(1e-5));
  CHECK(checked > 100);
}

TEST_CASE("evaluation after a step runs the weights that step made (weight norm's w is derived again)") {
  const Batch batch = test::first_batch(test::quadrants(32, 10), 32);
  for (ModelKind p : {ModelKind::weightnorm, ModelKind::wn_mobn}) {
    const std::string name = model_kind_name(p);
    CAPTURE(name);
    auto trained = std::move(Model::build(lenet(p), 1).value());
    auto sgd = make_sgd({0.5f});
    Trainer trainer(*trained, *sgd, {32, 2});
    trainer.train_batch(batch.x(), batch.labels(), 32);
    Floats logits(32 * 10), fresh_logits(32 * 10);
    trainer.eval_batch(batch.x(), batch.labels(), 32, logits.data());
    // The same parameters and running means in a model whose w was derived from them.
    auto fresh = std::move(Model::build(lenet(p), 1).value());
    fresh->params() = trained->params();
    fresh->state() = trained->state();
    fresh->prepare();
    Trainer fresh_trainer(*fresh, *sgd, {32, 2});
    fresh_trainer.eval_batch(batch.x(), batch.labels(), 32, fresh_logits.data());
    CHECK(logits == fresh_logits);
  }
}

TEST_CASE("memory_bytes tells the size before allocating, and grows with the batch") {
  auto model = Model::build(lenet(ModelKind::weightnorm), 1);
  const std::size_t b32 = Trainer::memory_bytes(*model.value(), {32, 1});
  const std::size_t b64 = Trainer::memory_bytes(*model.value(), {64, 1});
  CHECK(b32 > 5u << 20);  // activations and scratch of 32 images: several MB
  CHECK(double(b64) > 1.7 * double(b32));  // per-sample buffers dominate; parameters are fixed
  CHECK(Trainer::memory_bytes(*model.value(), {32, 2}) > b32);  // a workspace per thread
}
