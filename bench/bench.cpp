// wn-bench: where a training step's time goes, natively.
//   wn-bench [--steps N] [--batch B]
//   wn-bench --arch ARCH --width W [--threads T] [--steps N] [--batch B]
// Prints per-layer forward/backward times on one thread, then whole training steps
// for both models at 1 and 2 threads, with the epoch time they imply (50,000 images).
// With --arch (issue 20: convpool-c at the vs-bn width), whole training steps only, of regular, batchnorm
// and weightnorm on T threads (default 2), in the same line format.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "kernels/simd.hpp"
#include "layers/conv2d.hpp"
#include "layers/weight_norm.hpp"
#include "architecture.hpp"
#include "loss.hpp"
#include "train/batch.hpp"
#include "train/run.hpp"
#include "train/trainer.hpp"

namespace {

using namespace wn;
using Clock = std::chrono::steady_clock;

template <class F>
double best_ms(int reps, F&& f) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return best;
}

// Multiply-adds of one sample through a layer's forward pass (0 for layers without weights).
double macs(const Layer& l) {
  if (auto* c = dynamic_cast<const Conv2D*>(&l)) return double(c->output_shape().size()) * c->fan_in();
  if (auto* w = dynamic_cast<const WeightNorm*>(&l)) return double(w->output_shape().size()) * (w->kernel().size() / w->output_shape().c);
  return 0;
}

// FLOPs of one sample's training step through layer i: forward, kernel gradient, and the
// input gradient except for the first layer, which needs none.
double train_flop(const Model& m, std::size_t i) { return 2 * macs(m.layer(i)) * (i ? 3 : 2); }

void per_layer(ModelKind p, int batch) {
  auto model = Model::build(lenet(p), 1);
  Model& m = *model.value();
  Rng rng(2);
  std::vector<Floats> acts{Floats(m.input_shape().size() * batch)};
  for (float& v : acts[0]) v = rng.uniform();
  for (std::size_t i = 0; i < m.layer_count(); ++i) acts.emplace_back(m.layer(i).output_shape().size() * batch);
  Floats grads(m.params().size());
  std::printf("\n%s, batch %d, one thread:\n  %-70s %9s %9s %8s\n", model_kind_name(p), batch, "layer", "fwd ms", "bwd ms", "GFLOP/s");
  m.prepare();
  for (std::size_t i = 0; i < m.layer_count(); ++i) {
    Layer& l = m.layer(i);
    Floats scratch(l.scratch_floats(batch)), dy(acts[i + 1].size(), 0.01f), dx(acts[i].size());
    const float* params = m.params().data() + m.param_offset(i);
    float* g = grads.data() + m.param_offset(i);
    const double f = best_ms(20, [&] { l.forward(params, acts[i].data(), acts[i + 1].data(), batch, scratch.data()); });
    const double b = best_ms(20, [&] {
      l.backward(params, acts[i].data(), acts[i + 1].data(), dy.data(), i ? dx.data() : nullptr, g, batch, scratch.data());
    });
    const double flop = train_flop(m, i) * batch;
    std::printf("  %-70s %9.3f %9.3f %8.1f\n", l.describe().c_str(), f, b, flop ? flop / ((f + b) * 1e6) : 0.0);
  }
  // The rest of a step: once per batch, not per layer.
  std::vector<std::uint8_t> labels(batch);
  for (auto& v : labels) v = std::uint8_t(rng.below(10));
  Floats dlogits(acts.back().size());
  auto adam = make_adam({});
  const auto op = [](const char* what, double ms) { std::printf("  %-70s %9.3f\n", what, ms); };
  op("softmax cross-entropy", best_ms(20, [&] {
    softmax_cross_entropy(acts.back().data(), labels.data(), batch, m.classes(), 1.0f / batch, dlogits.data());
  }));
  if (p == ModelKind::weightnorm) {
    op("weight norm w = g·v/|v| (eq. 2), all layers", best_ms(20, [&] { m.prepare(); }));
    op("weight norm gradients (eq. 3), all layers", best_ms(20, [&] { m.finish_grads(grads.data()); }));
  }
  op("Adam", best_ms(20, [&] { adam->step(m.params().data(), grads.data(), grads.size()); }));
}

// LeNet as the tutorial builds it, or any architecture of src/architecture.hpp at a width.
std::unique_ptr<Model> make_model(const std::string& arch, double width, ModelKind p) {
  if (arch.empty()) return std::move(Model::build(lenet(p), 1).value());
  auto model = build_model(arch, width, p, WnInit::tfa, 1);
  if (!model) {
    std::fprintf(stderr, "wn-bench: %s\n", model.message().c_str());
    std::exit(2);
  }
  return std::move(model.value());
}

void steps(const std::string& arch, double width, ModelKind p, int threads, int batch, int count) {
  // threads: asked; the pool may give fewer
  auto model = make_model(arch, width, p);
  auto adam = make_adam({});
  Trainer trainer(*model, *adam, {batch, threads});
  Rng rng(3);
  // Fresh batches in turn: one batch repeated is learned by heart, and the shrinking gradients
  // turn denormal, which x86 then processes slowly (WebAssembly cannot flush them to zero).
  // Each step stages its batch (gather, x/255) as the fit loop does.
  constexpr int kBatches = 64;
  Dataset data;
  data.images.resize(std::size_t(kBatches) * batch * Dataset::kImageBytes);
  for (auto& v : data.images) v = std::uint8_t(rng.below(256));
  for (int i = 0; i < kBatches * batch; ++i) data.labels.push_back(std::uint8_t(rng.below(10)));
  std::vector<std::uint32_t> order(data.labels.size());
  std::iota(order.begin(), order.end(), 0u);
  Batch staged(batch);
  const auto step = [&](int i) {
    staged.stage(data, order.data() + std::size_t(i % kBatches) * batch, batch);
    trainer.train_batch(staged.x(), staged.labels(), batch);
  };
  for (int i = 0; i < 20; ++i) step(i);  // warm-up, data init
  // The best of three runs: two threads on two vCPUs share them with whatever else runs.
  const double ms = best_ms(3, [&] {
    for (int i = 0; i < count; ++i) step(i);
  }) / count;
  const double flop = model_cost(*model).train_flops;
  threads = trainer.threads();
  std::printf("  %-10s %d thread(s): %6.3f ms/step  %7.0f samples/s  %5.1f GFLOP/s  -> %5.2f s per 50,000-image epoch\n",
              model_kind_name(p), threads, ms, 1000.0 * batch / ms, flop * batch / (ms * 1e6), ms * std::ceil(50000.0 / batch) / 1000);
}

// The diagnostics' cost (src/train/diagnostics.hpp): a fit loop with them on, one thread, their
// sampling time (every progress_every steps) per training step, against the step itself.
void diagnostics_cost(ModelKind p, int batch) {
  Rng rng(4);
  Dataset data;
  const int n = 64 * batch;
  data.images.resize(std::size_t(n) * Dataset::kImageBytes);
  for (auto& v : data.images) v = std::uint8_t(rng.below(256));
  for (int i = 0; i < n; ++i) data.labels.push_back(std::uint8_t(rng.below(10)));
  RunConfig c;
  c.model = p, c.batch_size = batch, c.epochs = 1, c.diagnostics = true;
  auto run = Run::create(c, data, data);
  FitLoop& loop = run.value()->loop();
  FitEvent e;
  while ((e = loop.advance()).kind != FitEvent::Kind::epoch) {}
  const double per_step = loop.diagnostics_ms() / e.steps;
  std::printf("  %-10s %.4f ms per step (sampled every %d steps; step 0 included) = %.2f %% of a %.3f ms step\n",
              model_kind_name(p), per_step, c.progress_every, 100.0 * per_step / e.ms_per_step, e.ms_per_step);
}

}  // namespace

int main(int argc, char** argv) {
  int count = 300, batch = 32, threads = 2;
  std::string arch;
  double width = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--steps")) count = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--batch")) batch = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--arch")) arch = argv[i + 1];
    else if (!std::strcmp(argv[i], "--width")) width = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::max(1, std::atoi(argv[i + 1]));
  }
  std::printf("wn-bench: SIMD %s, %d lanes\n", simd::name(), simd::kLanes);
  if (!arch.empty()) {
    std::printf("%s, width %g: training steps (batch %d, best of 3 runs of %d steps after 20 warm-up):\n",
                arch.c_str(), width, batch, count);
    for (ModelKind p : {ModelKind::regular, ModelKind::batchnorm, ModelKind::weightnorm})
      steps(arch, width, p, threads, batch, count);
    return 0;
  }
  per_layer(ModelKind::regular, batch);
  per_layer(ModelKind::weightnorm, batch);
  std::printf("\ntraining steps (batch %d, best of 3 runs of %d steps after 20 warm-up):\n", batch, count);
  for (int t : {1, 2})
    for (ModelKind p : {ModelKind::regular, ModelKind::weightnorm}) steps("", 1, p, t, batch, count);
  std::printf("\nper-layer diagnostics, one thread (a 2,048-image epoch):\n");
  for (ModelKind p : {ModelKind::regular, ModelKind::weightnorm, ModelKind::wn_mobn}) diagnostics_cost(p, batch);
}
