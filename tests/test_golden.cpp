// One training step of both nets against PyTorch, as llm.c's test_gpt2.c checks its C against PyTorch:
// from the same weights, on the same 32 real CIFAR-10 images, the weight-norm data init, the logits, the
// loss, every gradient and the parameters after one Adam step. The fixtures are tests/golden/*.npy,
// written by tests/golden/make_golden.py (see tests/golden/README.md); CIFAR-10 itself is not needed.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <string>
#include <vector>
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnpy.hpp>

#include "architecture.hpp"
#include "train/batch.hpp"
#include "train/trainer.hpp"

using namespace wn;

namespace {

// Tolerance, relative: |ours − torch| ≤ kRtol·(|torch| + the largest |torch| of that tensor), per tensor
// (each layer's kernel, bias and g, the logits). The reference is float64 arithmetic on our float32 inputs
// and weights, so this measures our own float32 rounding. The longest sums (conv1's kernel gradient, over
// 32 × 28 × 28 pixels) have 25,088 terms, whose rounding grows like √n·2⁻²⁴ ≈ 1e-5; we are within 2.3e-6,
// float32 PyTorch within 2.4e-6 (make_golden.py prints it). 2e-5 leaves room for other summation orders
// (threads, vector widths) while a wrong sign, index, scale or statistic is off by far more.
// An entry near zero comes from cancellation, so its rounding error scales with its tensor, not itself.
constexpr double kRtol = 2e-5;
// After the Adam step. Adam's first step, lr_t·(1−β1)·g/(√(1−β2)·|g| + ε), is about ±lr for any gradient
// well above ε/√(1−β2) = 3e-6, but for the tiny gradients of a few kernel entries its slope reaches
// lr_t·(1−β1)/ε = 316: their rounding error, amplified, moves those parameters by up to 4.5e-5 of the
// largest (3.3e-5 in float32 PyTorch). A wrong step (sign, lr_t, where ε goes) is off by 1e-3 or more.
constexpr double kStepRtol = 3e-4;
constexpr int kBatch = 32;

xt::xarray<float> golden(const std::string& name) {
  return xt::load_npy<float>(std::string(WN_GOLDEN_DIR) + "/" + name + ".npy");
}

// Compares one tensor; the message names it and says how far off it is.
void check_close(const std::string& what, const float* ours, const float* torch, std::size_t n, double rtol) {
  const auto a = xt::adapt(ours, n, xt::no_ownership(), std::array<std::size_t, 1>{n});
  const auto b = xt::adapt(torch, n, xt::no_ownership(), std::array<std::size_t, 1>{n});
  const double scale = xt::amax(xt::abs(b))();
  const double error = xt::amax(xt::abs(a - b))() / scale;
  INFO(what, ": max|ours − torch| / max|torch| = ", error, " (max|torch| ", scale, ")");
  CHECK(xt::allclose(a, b, rtol, rtol * scale));
}

// Compares a vector in the layout of the model's parameters tensor by tensor: each layer's kernel (weight
// norm's v), bias and g, where the layer says they lie (Layer::weights).
void check_params(const std::string& what, const Model& m, const Floats& ours, const xt::xarray<float>& torch,
                  double rtol = kRtol) {
  REQUIRE(ours.size() == torch.size());
  for (std::size_t i = 0; i < m.layer_count(); ++i) {
    const Weights a = m.layer(i).weights(ours.data() + m.param_offset(i));
    const Weights b = m.layer(i).weights(torch.data() + m.param_offset(i));
    if (!a) continue;
    const std::string layer = what + ", " + m.layer_name(i);
    check_close(layer + " kernel", a.kernel, b.kernel, std::size_t(a.rows) * a.cols, rtol);
    check_close(layer + " bias", a.bias, b.bias, a.cols, rtol);
    if (a.g) check_close(layer + " g", a.g, b.g, a.cols, rtol);
  }
}

// The fixture's batch, staged as the fit loop stages one (x/255).
struct GoldenBatch {
  Dataset data;
  Batch batch{kBatch};
  GoldenBatch() {
    const auto images = xt::load_npy<std::uint8_t>(std::string(WN_GOLDEN_DIR) + "/images.npy");
    const auto labels = xt::load_npy<std::uint8_t>(std::string(WN_GOLDEN_DIR) + "/labels.npy");
    REQUIRE(images.shape() == std::vector<std::size_t>{kBatch, 32, 32, 3});
    REQUIRE(labels.size() == std::size_t(kBatch));
    data.images.assign(images.begin(), images.end());
    data.labels.assign(labels.begin(), labels.end());
    std::vector<std::uint32_t> all(kBatch);
    std::iota(all.begin(), all.end(), 0u);
    batch.stage(data, all.data(), kBatch);
  }
};

// The fixture's initial weights (regular layout [kernel][bias] per layer); weight norm's v and bias are
// the same and g starts at 1, TFA's initialiser.
void load_initial(Model& m) {
  const auto initial = golden("initial_params");
  std::size_t from = 0;
  for (std::size_t i = 0; i < m.layer_count(); ++i) {
    float* p = m.params().data() + m.param_offset(i);
    const Weights w = m.layer(i).weights(p);
    if (!w) continue;
    const std::size_t shared = std::size_t(w.rows + 1) * w.cols;  // [kernel][bias]
    REQUIRE(from + shared <= initial.size());
    std::copy(initial.data() + from, initial.data() + from + shared, p);
    std::fill(p + shared, p + m.layer(i).param_count(), 1.0f);  // g, if any
    from += shared;
  }
  REQUIRE(from == initial.size());
  m.prepare();
}

// Everything make_golden.py wrote for one net, checked in the order a first training step computes it.
void check_step(ModelKind p, int threads) {
  const std::string name = model_kind_name(p);
  CAPTURE(name);
  CAPTURE(threads);
  const GoldenBatch staged;
  auto model = std::move(Model::build(lenet(p, WnInit::tfa), 1).value());
  load_initial(*model);
  auto adam = make_adam({});  // lr 1e-3, β 0.9 / 0.999, ε 1e-7: what the fixture's step used
  Trainer trainer(*model, *adam, {kBatch, threads});
  REQUIRE(trainer.threads() == threads);

  trainer.initialise(staged.batch.x(), kBatch);
  if (p == ModelKind::weightnorm) check_params("after the data init", *model, model->params(), golden(name + "_params_init"));

  Floats logits(std::size_t(kBatch) * model->classes());
  const BatchResult eval = trainer.eval_batch(staged.batch.x(), staged.batch.labels(), kBatch, logits.data());
  const auto want_logits = golden(name + "_logits");
  REQUIRE(want_logits.size() == logits.size());
  check_close("logits", logits.data(), want_logits.data(), logits.size(), kRtol);
  CHECK(eval.loss() == doctest::Approx(golden(name + "_loss")(0)).epsilon(kRtol));

  const BatchResult train = trainer.train_batch(staged.batch.x(), staged.batch.labels(), kBatch);
  CHECK(train.loss() == eval.loss());  // the step's loss is the one of the parameters before it
  check_params("gradient", *model, trainer.grads(), golden(name + "_grads"));
  check_params("after one Adam step", *model, model->params(), golden(name + "_params_step"), kStepRtol);
}

}  // namespace

TEST_CASE("golden: the regular net's first training step matches PyTorch (1 and 2 threads)") {
  for (int threads : {1, 2}) check_step(ModelKind::regular, threads);
}

TEST_CASE("golden: the weight-normalised net's data init and first training step match PyTorch (1 and 2 threads)") {
  for (int threads : {1, 2}) check_step(ModelKind::weightnorm, threads);
}

// The architecture cases (make_golden_specs.py): LeNet with batch norm, and ConvPool-CNN-C at width 0.0625 in
// every model kind, one training step from the fixture's weights on its first n images.
namespace {

// Compares a vector in the layout of the model's parameters (or state) array by array: the Weights pieces
// (kernel, bias, g) and the named arrays (batch norm's γ, β; moving statistics).
void check_arrays(const std::string& what, const Model& m, const Floats& ours, const xt::xarray<float>& torch,
                  bool state, double rtol) {
  REQUIRE(ours.size() == torch.size());
  for (std::size_t i = 0; i < m.layer_count(); ++i) {
    const std::string layer = what + ", " + m.layer_name(i);
    const std::size_t base = state ? m.state_offset(i) : m.param_offset(i);
    if (!state)
      if (const Weights a = m.layer(i).weights(ours.data() + base)) {
        const Weights b = m.layer(i).weights(torch.data() + base);
        check_close(layer + " kernel", a.kernel, b.kernel, std::size_t(a.rows) * a.cols, rtol);
        if (a.bias) check_close(layer + " bias", a.bias, b.bias, a.cols, rtol);
        if (a.g) check_close(layer + " g", a.g, b.g, a.cols, rtol);
      }
    for (const Layer::NamedSlice& s : m.layer(i).named_arrays())
      if (s.state == state)
        check_close(layer + " " + s.name, ours.data() + base + s.offset, torch.data() + base + s.offset, s.size, rtol);
  }
}

// The plain convpool-c's first three kernel gradients cancel: ∑ x·∂z over every pixel, max |∇| ≈ 1e-3 where batch
// norm's are 0.3. Float32 PyTorch is itself 1.8e-5, 4.2e-5 and 2.1e-5 off the float64 reference there, and so are
// we (make_golden_specs.py prints its per-tensor errors); every other tensor of every case is within kRtol.
constexpr double kCancellingRtol = 5e-5;

void check_case(const std::string& name, const std::string& arch, double width, ModelKind kind, int n, int threads,
                double grad_rtol = kRtol) {
  CAPTURE(name);
  CAPTURE(threads);
  const GoldenBatch staged;
  auto model = std::move(build_model(arch, width, kind, WnInit::tfa, 1).value());
  const auto initial = golden(name + "_params_initial");
  REQUIRE(initial.size() == model->params().size());
  std::copy(initial.begin(), initial.end(), model->params().begin());
  model->prepare();
  auto adam = make_adam({});
  Trainer trainer(*model, *adam, {n, threads});
  REQUIRE(trainer.threads() == threads);

  trainer.initialise(staged.batch.x(), n);
  if (uses_weight_norm(kind))
    check_arrays("after the data init", *model, model->params(), golden(name + "_params_init"), false, kRtol);
  const BatchResult train = trainer.train_batch(staged.batch.x(), staged.batch.labels(), n);
  CHECK(train.loss() == doctest::Approx(golden(name + "_loss")(0)).epsilon(kRtol));
  check_arrays("gradient", *model, trainer.grads(), golden(name + "_grads"), false, grad_rtol);
  check_arrays("after one Adam step", *model, model->params(), golden(name + "_params_step"), false, kStepRtol);
  if (!model->state().empty())
    check_arrays("moving statistics after the step", *model, model->state(), golden(name + "_state_step"), true, kRtol);
  // Evaluation after the step: the new parameters, and the moving statistics instead of the batch's.
  Floats logits(std::size_t(n) * model->classes());
  trainer.eval_batch(staged.batch.x(), staged.batch.labels(), n, logits.data());
  const auto want = golden(name + "_logits_eval");
  REQUIRE(want.size() == logits.size());
  check_close("logits after the step", logits.data(), want.data(), logits.size(), kStepRtol);
}

}  // namespace

TEST_CASE("golden: LeNet with batch norm, its first training step and moving statistics match PyTorch (1, 2 threads)") {
  for (int threads : {1, 2}) check_case("lenet_batchnorm", "lenet", 1.0, ModelKind::batchnorm, kBatch, threads);
}

TEST_CASE("golden: convpool-c (width 0.0625) in every model kind, its first training step matches PyTorch") {
  for (ModelKind kind : kModelKinds) {
    std::string name = std::string("convpool_c_") + model_kind_name(kind);
    std::replace(name.begin(), name.end(), '-', '_');
    for (int threads : {1, 2})
      check_case(name, "convpool-c", 0.0625, kind, 8, threads, kind == ModelKind::regular ? kCancellingRtol : kRtol);
  }
}
