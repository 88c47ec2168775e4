// Weight normalisation's identities (Salimans & Kingma §2.1, §3) and the diagnostics that show them.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

#include "train/diagnostics.hpp"
#include "training.hpp"

using namespace wn;

namespace {
using test::first_batch;

struct Net {
  std::unique_ptr<Model> model;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<Trainer> trainer;
};
Net net(ModelKind p, WnInit init, std::unique_ptr<Optimizer> optimizer, int batch = 64, std::uint64_t seed = 1) {
  Net n{std::move(Model::build(lenet(p, init), seed).value()), std::move(optimizer), nullptr};
  n.trainer = std::make_unique<Trainer>(*n.model, *n.optimizer, TrainerOptions{batch, 2});
  return n;
}

// Per weight layer i: the pre-activations on x, forwarding layer by layer.
template <class F>
void each_preactivation(const Model& m, const float* x0, int n, F&& f) {
  std::vector<float> x(x0, x0 + m.input_shape().size() * n), y, z, scratch;
  for (std::size_t i = 0; i < m.layer_count(); ++i) {
    const Layer& l = m.layer(i);
    const float* p = m.params().data() + m.param_offset(i);
    scratch.assign(l.scratch_floats(n), 0.0f);
    z.assign(l.output_shape().size() * n, 0.0f);
    if (l.preactivation(p, x.data(), z.data(), n, scratch.data())) f(i, l, p, z);
    y.assign(z.size(), 0.0f);
    l.forward(p, x.data(), y.data(), n, scratch.data());
    std::swap(x, y);
  }
}
}  // namespace

TEST_CASE("∇v ⟂ v per output channel (eq. 3 projects the gradient away from v)") {
  const Dataset data = test::quadrants(64, 1);
  const Batch b = first_batch(data, 64);
  Net n = net(ModelKind::weightnorm, WnInit::tfa, make_adam({}));
  n.trainer->train_batch(b.x(), b.labels(), 64);
  int checked = 0;
  for (std::size_t i = 0; i < n.model->layer_count(); ++i) {
    const Weights v = n.model->layer(i).weights(n.model->params().data() + n.model->param_offset(i));
    if (!v) continue;
    // The gradient was taken at the parameters before Adam's step: compare with those.
    const float* dv = n.trainer->grads().data() + n.model->param_offset(i);
    Net fresh = net(ModelKind::weightnorm, WnInit::tfa, make_adam({}));
    fresh.trainer->initialise(b.x(), 64);
    const float* v0 = fresh.model->params().data() + fresh.model->param_offset(i);
    for (int j = 0; j < v.cols; ++j) {
      double dot = 0, nv = 0, ng = 0;
      for (int k = 0; k < v.rows; ++k) {
        const std::size_t at = std::size_t(k) * v.cols + j;
        dot += double(dv[at]) * v0[at], nv += double(v0[at]) * v0[at], ng += double(dv[at]) * dv[at];
      }
      CHECK(std::abs(dot) <= 1e-4 * std::sqrt(nv * ng) + 1e-12);  // cosine of the angle ≈ 0
      ++checked;
    }
  }
  CHECK(checked == 6 + 16 + 120 + 84 + 10);
}

TEST_CASE("under SGD without momentum ‖v‖ only grows: ‖v_{t+1}‖² = ‖v_t‖² + ‖Δv‖²") {
  const Dataset data = test::quadrants(64, 2);
  const Batch b = first_batch(data, 64);
  Net n = net(ModelKind::weightnorm, WnInit::paper, make_sgd({0.5f, 0.0f}));
  n.trainer->initialise(b.x(), 64);
  const Floats before = n.model->params();
  n.trainer->train_batch(b.x(), b.labels(), 64);
  const Floats& after = n.model->params();
  double worst = 0;
  for (std::size_t i = 0; i < n.model->layer_count(); ++i) {
    const Weights w = n.model->layer(i).weights(after.data() + n.model->param_offset(i));
    if (!w) continue;
    const std::size_t off = n.model->param_offset(i);
    for (int j = 0; j < w.cols; ++j) {
      double n0 = 0, n1 = 0, step = 0;
      for (int k = 0; k < w.rows; ++k) {
        const std::size_t at = off + std::size_t(k) * w.cols + j;
        n0 += double(before[at]) * before[at], n1 += double(after[at]) * after[at];
        step += (double(after[at]) - before[at]) * (double(after[at]) - before[at]);
      }
      CHECK(n1 > n0);
      worst = std::max(worst, std::abs(n1 - (n0 + step)) / n1);
    }
  }
  MESSAGE("worst relative error of the identity: ", worst);
  CHECK(worst < 1e-5);
}

// TFA takes its statistics with the unnormalised v but then applies w = g·v/‖v‖, so its units
// start with std 1/‖v_j‖ and mean μ_j/σ_j·(1/‖v_j‖ − 1), not 0 and 1 as the paper's §3 does.
TEST_CASE("data init: 'paper' gives pre-activations of mean 0, std 1, 'tfa' gives std 1/‖v‖ per channel") {
  const Dataset data = test::quadrants(64, 3);
  const Batch b = first_batch(data, 64);
  for (WnInit init : {WnInit::paper, WnInit::tfa}) {
    CAPTURE(std::string(wn_init_name(init)));
    Net n = net(ModelKind::weightnorm, init, make_adam({}));
    n.trainer->initialise(b.x(), 64);
    int layers = 0;
    each_preactivation(*n.model, b.x(), 64, [&](std::size_t, const Layer& l, const float* p, const std::vector<float>& z) {
      const Weights w = l.weights(p);
      const ChannelMoments m = channel_moments(z.data(), z.size() / w.cols, w.cols);
      double off_centre = 0;
      for (int j = 0; j < w.cols; ++j) {
        double vv = 0;
        for (int k = 0; k < w.rows; ++k) vv += double(w.kernel[std::size_t(k) * w.cols + j]) * w.kernel[std::size_t(k) * w.cols + j];
        const double expected = init == WnInit::paper ? 1.0 : 1.0 / std::sqrt(vv);
        if (init == WnInit::paper) CHECK(std::abs(m.mean[j]) < 1e-4);
        off_centre = std::max(off_centre, std::abs(m.mean[j]));
        CHECK(m.std[j] == doctest::Approx(expected).epsilon(1e-3));
      }
      if (init == WnInit::tfa) CHECK(off_centre > 1e-2);
      ++layers;
    });
    CHECK(layers == 5);
  }
}

TEST_CASE("'none' starts as the plain net: the same logits, bit for bit") {
  const Dataset data = test::quadrants(32, 4);
  const Batch b = first_batch(data, 32);
  Net plain = net(ModelKind::regular, WnInit::tfa, make_adam({}), 32, 5), wn = net(ModelKind::weightnorm, WnInit::none, make_adam({}), 32, 5);
  Floats a(320), c(320);
  plain.trainer->eval_batch(b.x(), b.labels(), 32, a.data());
  wn.trainer->eval_batch(b.x(), b.labels(), 32, c.data());
  CHECK(a == c);
}

TEST_CASE("diagnostics: step 0 after the data init, then at every progress report, with angles and update ratios") {
  const Dataset train = test::quadrants(320, 5), valid = test::quadrants(64, 6);
  for (ModelKind p : {ModelKind::regular, ModelKind::weightnorm}) {
    CAPTURE(std::string(model_kind_name(p)));
    RunConfig c = test::config(p, 1, 1, 2, 1e-3f, WnInit::paper);
    c.diagnostics = true;
    c.progress_every = 4;
    auto run = test::make_run(c, train, valid);
    std::vector<FitEvent> seen;
    while (!run->loop().finished()) {
      FitEvent e = run->loop().advance();
      if (e.kind == FitEvent::Kind::diagnostics || e.kind == FitEvent::Kind::progress) seen.push_back(e);
    }
    // Step 0, then per epoch progress at 4, 8 and 10, each followed by its record.
    REQUIRE(seen.size() == 1 + 2 * 3 * 2);
    const DiagnosticsRecord& d0 = seen[0].diagnostics;
    CHECK(seen[0].kind == FitEvent::Kind::diagnostics);
    CHECK(d0.step == 0);
    REQUIRE(d0.layers.size() == 5);
    CHECK(d0.layers[0].name == (p == ModelKind::regular ? "conv2d" : "weight_normalization"));
    for (const LayerDiagnostics& l : d0.layers) {
      CHECK(l.preact_std.has_value());
      CHECK(!l.angle.has_value());
      CHECK(!l.update_ratio.has_value());
      CHECK(*l.dead_relu >= 0.0);
    }
    if (p == ModelKind::weightnorm) CHECK(*d0.layers[2].preact_std == doctest::Approx(1.0).epsilon(1e-3));  // paper init
    CHECK(*d0.layers[4].dead_relu == 0.0);  // the linear output layer
    CHECK(*d0.layers[2].dead_relu > 0.1);   // ReLUs at init: many units off
    const DiagnosticsRecord& d1 = seen[2].diagnostics;
    CHECK(seen[1].kind == FitEvent::Kind::progress);
    CHECK(d1.step == 4);
    for (const LayerDiagnostics& l : d1.layers) {
      CHECK(!l.preact_std.has_value());
      if (p == ModelKind::weightnorm) {
        CHECK(*l.angle > 0.0);
        CHECK(*l.angle < 0.5);
        CHECK(l.v_norm > 0.0);
        CHECK(l.g_over_v == doctest::Approx(l.g_mean / l.v_norm).epsilon(0.5));
      } else {
        CHECK(*l.update_ratio > 0.0);
        CHECK(*l.update_ratio < 0.5);
      }
    }
    CHECK(run->loop().diagnostics_ms() > 0.0);
  }
}

TEST_CASE("diagnostics of a normalised block: batch norm's output, not the raw conv before it") {
  const Dataset train = test::quadrants(64, 5), valid = test::quadrants(32, 6);
  for (ModelKind p : {ModelKind::batchnorm, ModelKind::wn_mobn}) {
    CAPTURE(std::string(model_kind_name(p)));
    RunConfig c = test::config(p, 1, 1, 1, 1e-3f, WnInit::none);
    c.diagnostics = true;
    auto run = test::make_run(c, train, valid);
    FitEvent e = run->loop().advance(1);
    REQUIRE(e.kind == FitEvent::Kind::diagnostics);
    const auto& layers = e.diagnostics.layers;
    REQUIRE(layers.size() == 5);
    for (std::size_t k = 0; k + 1 < layers.size(); ++k) {  // the hidden layers, each with its normaliser
      CAPTURE(k);
      CHECK(std::abs(*layers[k].preact_mean) < 1e-4);  // centred over the batch
      if (p == ModelKind::batchnorm) CHECK(*layers[k].preact_std == doctest::Approx(1.0).epsilon(0.05));  // γ = 1 at init
      CHECK(*layers[k].dead_relu > 0.2);  // the ReLU after the normaliser, not the linear layer before it
      CHECK(*layers[k].dead_relu < 0.8);
    }
  }
}
