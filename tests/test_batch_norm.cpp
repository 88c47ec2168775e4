#include <doctest/doctest.h>

#include <cmath>

#include "architecture.hpp"
#include "gradcheck.hpp"
#include "io/weights.hpp"
#include "layers/batch_norm.hpp"
#include "loss.hpp"
#include "optim/optimizer.hpp"
#include "train/trainer.hpp"
#include "training.hpp"

using namespace wn;

namespace {
// γ ≠ 1 and β ≠ 0, so the gradient check sees both.
std::vector<float> params_for(const BatchNorm& bn) {
  std::vector<float> p(bn.param_count());
  const int C = int(p.size() / 2);
  for (int j = 0; j < C; ++j) p[j] = 0.7f + 0.2f * j, p[C + j] = 0.3f - 0.25f * j;
  return p;
}
}  // namespace

TEST_CASE("batch norm: finite-difference gradients of x, γ and β (the batch statistics differentiated through)") {
  Rng rng(31);
  for (Activation act : {Activation::linear, Activation::relu, Activation::leaky_relu}) {
    CAPTURE(activation_name(act));
    SUBCASE("per pixel and sample, as after a Conv2D") {
      BatchNorm bn({3, 3, 4}, act);
      const auto err = test::check_gradients(bn, params_for(bn), test::random_vector(3 * 3 * 4 * 2, rng), 2, 7, 1e-3f);
      CHECK(err.dx < 2e-3);
      CHECK(err.dparams < 2e-3);
    }
    SUBCASE("per sample, as after a Dense") {
      BatchNorm bn({1, 1, 5}, act);
      const auto err = test::check_gradients(bn, params_for(bn), test::random_vector(5 * 6, rng), 6, 8, 1e-3f);
      CHECK(err.dx < 2e-3);
      CHECK(err.dparams < 2e-3);
    }
  }
}

TEST_CASE("batch norm: training normalises each channel over the batch; evaluation uses the moving statistics") {
  Rng rng(3);
  BatchNorm bn({2, 2, 3}, Activation::linear);
  std::vector<float> p = params_for(bn);
  const auto x = test::random_vector(2 * 2 * 3 * 4, rng, 2, 5);  // mean ≈ 3.5, far from 0
  test::LayerRun run(bn, 4);
  const std::vector<float> y = run.forward(p, x);
  for (int j = 0; j < 3; ++j) {
    double mean = 0, var = 0, xm = 0, xv = 0;
    for (int r = 0; r < 16; ++r) mean += y[r * 3 + j] / 16.0, xm += x[r * 3 + j] / 16.0;
    for (int r = 0; r < 16; ++r) var += std::pow(y[r * 3 + j] - mean, 2) / 16, xv += std::pow(x[r * 3 + j] - xm, 2) / 16;
    CHECK(mean == doctest::Approx(p[3 + j]).epsilon(1e-5));  // β
    // γ²·σ²/(σ² + ε): ε = 1e-3 shows at this variance (~0.75).
    CHECK(var == doctest::Approx(p[j] * p[j] * xv / (xv + 1e-3)).epsilon(1e-4));
  }
  // Evaluation: (x − m)/√(v + ε)·γ + β with the state's m and v, per sample.
  const std::vector<float> state = {0.5f, -1, 2, 4, 0.25f, 1};
  std::vector<float> e(x.size());
  bn.forward_eval(p.data(), state.data(), x.data(), e.data(), 4, run.scratch.data());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const int j = int(i % 3);
    CHECK(e[i] == doctest::Approx((x[i] - state[j]) / std::sqrt(state[3 + j] + 1e-3) * p[j] + p[3 + j]).epsilon(1e-5));
  }
  // The moving statistics start at mean 0 and variance 1 and move 1 % towards the batch's.
  std::vector<float> s(6);
  bn.init_state(s.data());
  CHECK(s == std::vector<float>{0, 0, 0, 1, 1, 1});
  std::vector<double> sums(6);
  std::vector<float> copy(x.size());
  bn.forward_partial(p.data(), x.data(), copy.data(), 4, run.scratch.data(), sums.data());
  bn.update_state(s.data(), sums.data(), 4);
  for (int j = 0; j < 3; ++j) {
    const double mean = sums[j] / 16, var = sums[3 + j] / 16 - mean * mean;
    CHECK(s[j] == doctest::Approx(0.01 * mean).epsilon(1e-5));
    CHECK(s[3 + j] == doctest::Approx(0.99 + 0.01 * var).epsilon(1e-6));  // the population variance, as Keras
  }
}

TEST_CASE("batchnorm model: BN after every hidden Conv2D/Dense, which lose their bias; Keras' weight names") {
  auto model = std::move(Model::build(lenet(ModelKind::batchnorm), 1).value());
  std::vector<std::string> names;
  for (const ArrayLayout& a : weight_layout(*model)) names.push_back(a.name);
  CHECK(names == std::vector<std::string>{
                     "conv2d/kernel", "batch_normalization/gamma", "batch_normalization/beta",
                     "batch_normalization/moving_mean", "batch_normalization/moving_variance", "conv2d_1/kernel",
                     "batch_normalization_1/gamma", "batch_normalization_1/beta", "batch_normalization_1/moving_mean",
                     "batch_normalization_1/moving_variance", "dense/kernel", "batch_normalization_2/gamma",
                     "batch_normalization_2/beta", "batch_normalization_2/moving_mean",
                     "batch_normalization_2/moving_variance", "dense_1/kernel", "batch_normalization_3/gamma",
                     "batch_normalization_3/beta", "batch_normalization_3/moving_mean",
                     "batch_normalization_3/moving_variance", "dense_2/kernel", "dense_2/bias"});
  // LeNet's 62,006 parameters less four layers' biases (6 + 16 + 120 + 84), plus γ and β.
  CHECK(model->params().size() == 62006 - 226 + 2 * 226);
  CHECK(model->state().size() == 2 * 226);
  // Saved and loaded: parameters and moving statistics come back.
  Floats state = model->state();
  for (std::size_t i = 0; i < state.size(); ++i) state[i] = 0.5f + 0.001f * float(i);
  model->state() = state;
  const auto saved = export_weights(*model);
  auto other = std::move(Model::build(lenet(ModelKind::batchnorm), 2).value());
  REQUIRE(import_weights(*other, saved));
  CHECK(other->params() == model->params());
  CHECK(other->state() == state);
}

TEST_CASE("batchnorm: 1, 2 and 3 threads compute the same step (statistics of the whole batch, not a slice)") {
  for (int n : {32, 2}) {
    CAPTURE(n);
    const test::StepOnThreads s = test::step_on_threads(ModelKind::batchnorm, n);
    for (int t : {0, 1, 2}) REQUIRE(s.threads[t] == t + 1);
    for (int t : {1, 2}) {
      CAPTURE(t + 1);
      CHECK(test::rel_error({s.grads[t].begin(), s.grads[t].end()}, {s.grads[0].begin(), s.grads[0].end()}) < 1e-4);
      CHECK(test::rel_error({s.state[t].begin(), s.state[t].end()}, {s.state[0].begin(), s.state[0].end()}) < 1e-6);
    }
  }
}

TEST_CASE("batchnorm learns the quadrants task, and validates with its moving statistics") {
  const Dataset train = test::quadrants(600, 5), valid = test::quadrants(200, 6);
  RunConfig c = test::config(ModelKind::batchnorm, 2, 1, 3);
  const History h = test::fit(c, train, valid);
  REQUIRE(h.epochs.size() == 3);
  CHECK(h.epochs[2].loss < h.epochs[0].loss);
  CHECK(h.epochs[2].accuracy > 0.8);
  CHECK(h.epochs[2].val_accuracy > 0.5);
}

TEST_CASE("batchnorm: evaluation with batch statistics is a training-mode forward, and changes nothing") {
  // After a few steps the moving averages are neither their start values nor the batch's, so the
  // two evaluations differ; the batch-statistics one must equal every layer's training forward run
  // directly on the whole batch (one thread, no split passes), and leave the net as it was.
  Rng rng(7);
  const int n = 12;
  const std::vector<float> x = test::random_vector(std::size_t(n) * 3072, rng, 0, 1);
  std::vector<std::uint8_t> labels(n);
  for (auto& l : labels) l = std::uint8_t(rng.below(10));
  auto model = std::move(Model::build(lenet(ModelKind::batchnorm), 3).value());
  auto adam = make_adam({1e-3f});
  Trainer trainer(*model, *adam, {n, 2});
  for (int step = 0; step < 3; ++step) trainer.train_batch(x.data(), labels.data(), n);
  const Floats params = model->params(), state = model->state();

  const BatchResult with_batch = trainer.eval_batch_stats(x.data(), labels.data(), n);
  std::vector<float> moving_logits(std::size_t(n) * 10);
  const BatchResult moving = trainer.eval_batch(x.data(), labels.data(), n, moving_logits.data());
  CHECK(model->params() == params);
  CHECK(model->state() == state);

  // The direct forward: each layer's forward (batch statistics of its n inputs), in order.
  model->prepare();
  Floats a(x.begin(), x.end()), b;
  for (std::size_t i = 0; i < model->layer_count(); ++i) {
    const Layer& layer = model->layer(i);
    Floats scratch(layer.scratch_floats(n));
    b.assign(layer.output_shape().size() * n, 0.0f);
    layer.forward(model->params().data() + model->param_offset(i), a.data(), b.data(), n, scratch.data());
    std::swap(a, b);
  }
  const LossSums direct = softmax_cross_entropy(a.data(), labels.data(), n, 10, 1.0f, nullptr);
  CHECK(with_batch.count == n);
  CHECK(with_batch.correct == direct.correct);
  CHECK(with_batch.loss_sum == doctest::Approx(direct.loss).epsilon(1e-5));
  CHECK(std::abs(with_batch.loss_sum - moving.loss_sum) > 1e-3 * std::abs(moving.loss_sum));
}

TEST_CASE("the fit loop validates batch norm a second time with batch statistics, and only batch norm") {
  const Dataset train = test::quadrants(96, 5), valid = test::quadrants(40, 6);
  for (ModelKind kind : {ModelKind::batchnorm, ModelKind::regular, ModelKind::wn_mobn}) {
    CAPTURE(model_kind_name(kind));
    RunConfig c = test::config(kind, 1, 1, 2);
    c.batch_size = 8;
    const History h = test::fit(c, train, valid);
    REQUIRE(h.epochs.size() == 2);
    for (const EpochLog& e : h.epochs) {
      CHECK(e.val_accuracy_batch_stats.has_value() == (kind == ModelKind::batchnorm));
      if (e.val_accuracy_batch_stats) CHECK((*e.val_accuracy_batch_stats >= 0 && *e.val_accuracy_batch_stats <= 1));
    }
  }
}
