#include <doctest/doctest.h>

#include <cmath>

#include "rng.hpp"
#include "train/fit.hpp"
#include "training.hpp"

using namespace wn;

namespace {
// A learnable synthetic set: the class is which quadrant of the image is brightest.
Dataset quadrants(int n, std::uint64_t seed) {
  Dataset d;
  Rng rng(seed);
  d.images.resize(std::size_t(n) * Dataset::kImageBytes);
  for (int i = 0; i < n; ++i) {
    const int q = int(rng.below(4));
    d.labels.push_back(std::uint8_t(q));
    std::uint8_t* img = d.images.data() + std::size_t(i) * Dataset::kImageBytes;
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x)
        for (int c = 0; c < 3; ++c) {
          const bool lit = (y / 16) * 2 + (x / 16) == q;
          img[(y * 32 + x) * 3 + c] = std::uint8_t(rng.below(lit ? 256 : 96));
        }
  }
  return d;
}

History train(Preset p, int threads, const Dataset& data, int epochs = 1, std::uint64_t seed = 1,
              float lr = 1e-3f, WnInit init = WnInit::tfa) {
  return fit(*test::training(p, {32, threads, seed}, lr, init).trainer, data, data, epochs, {});
}
}  // namespace

TEST_CASE("the same seed gives the same history, bit for bit") {
  const Dataset data = quadrants(200, 3);
  for (Preset p : {Preset::regular, Preset::weightnorm}) {
    const History a = train(p, 2, data), b = train(p, 2, data);
    REQUIRE(a.epochs.size() == 1);
    CHECK(a.epochs[0].loss == b.epochs[0].loss);
    CHECK(a.epochs[0].val_loss == b.epochs[0].val_loss);
    CHECK(a.epochs[0].accuracy == b.epochs[0].accuracy);
    CHECK(train(p, 2, data, 1, 2).epochs[0].loss != a.epochs[0].loss);
  }
}

TEST_CASE("1, 2 and 3 threads agree (only the summation order differs)") {
  const Dataset data = quadrants(200, 4);
  for (Preset p : {Preset::regular, Preset::weightnorm})
    for (int threads : {2, 3}) {  // 3 splits 32 unevenly, and the last batch of 8 too
      CAPTURE(threads);
      const History one = train(p, 1, data), many = train(p, threads, data);
      // Tolerance: float rounding differences compound over 7 Adam steps; 1e-4 relative.
      CHECK(many.epochs[0].loss == doctest::Approx(one.epochs[0].loss).epsilon(1e-4));
      CHECK(many.epochs[0].val_loss == doctest::Approx(one.epochs[0].val_loss).epsilon(1e-4));
    }
}

TEST_CASE("both nets learn a learnable task; the partial last batch is kept") {
  const Dataset data = quadrants(1000, 5);
  for (Preset p : {Preset::regular, Preset::weightnorm}) {
    CAPTURE(preset_name(p));
    auto t = test::training(p, {32, 2, 1});
    Trainer& trainer = *t.trainer;
    std::vector<Progress> seen;
    FitCallbacks cb;
    cb.on_progress = [&](const Progress& pr) { seen.push_back(pr); };
    cb.progress_every = 8;
    const History h = fit(trainer, data, data, 3, cb);
    REQUIRE(h.epochs.size() == 3);
    CHECK(trainer.steps_done() == 3 * 32);  // ceil(1000 / 32) = 32 steps per epoch
    CHECK(seen.back().step == 32);
    CHECK(h.epochs[2].loss < h.epochs[0].loss);
    CHECK(h.epochs[2].val_accuracy > 0.8);
  }
}

TEST_CASE("weight norm's data init runs on the first batch, layer by layer") {
  const Dataset data = quadrants(64, 6);
  auto t = test::training(Preset::weightnorm, {64, 1, 1}, /*lr=*/0.0f, WnInit::paper);  // only the init moves
  const Floats before = t.model->params();
  t.trainer->train_batch(data.images.data(), data.labels.data(), 64);
  const Floats& after = t.model->params();
  // First layer: g (after kernel 450 + bias 6) is no longer 1, the bias no longer 0.
  CHECK(after[450] != 0.0f);
  CHECK(after[456] != 1.0f);
  CHECK(after[0] == before[0]);  // v untouched
}

TEST_CASE("a NaN loss stops training and names the epoch and step") {
  const Dataset data = quadrants(100, 7);
  auto t = test::training(Preset::regular, {32, 1, 1});
  FitCallbacks cb;
  int epochs_logged = 0;
  cb.on_epoch = [&](const EpochLog&) { ++epochs_logged; };
  fit(*t.trainer, data, data, 1, cb);
  t.model->params()[3] = std::nanf("");  // poison a weight after a good epoch
  const History h = fit(*t.trainer, data, data, 2, cb);
  CHECK(h.stopped == "training diverged at epoch 1 step 1 (loss is nan)");
  CHECK(epochs_logged == 1);
}

TEST_CASE("lr = 10 blows the loss up without a NaN; the divergence bound stops it") {
  const Dataset data = quadrants(320, 8);
  const History h = train(Preset::regular, 1, data, 3, 1, 10.0f);
  CHECK(h.stopped.rfind("training diverged at epoch 1 step ", 0) == 0);
  CHECK(h.stopped.find("exceeds 230, 100x that of a uniform guess") != std::string::npos);
  CHECK(h.epochs.empty());
  // A sane run never comes near the bound.
  CHECK(train(Preset::regular, 1, data, 1).stopped.empty());
  BatchResult ok{2.0 * 32, 3, 32}, nan{std::nan(""), 0, 32}, huge{1e4 * 32, 0, 32};
  CHECK(divergence(ok, 10).empty());
  CHECK(divergence(nan, 10) == "loss is nan");
  CHECK(!divergence(huge, 10).empty());
}

TEST_CASE("an all-zero dataset trains without NaN (the variance epsilon of the data init)") {
  Dataset zeros;
  zeros.images.assign(std::size_t(64) * Dataset::kImageBytes, 0);
  for (int i = 0; i < 64; ++i) zeros.labels.push_back(std::uint8_t(i % 10));
  for (WnInit init : {WnInit::tfa, WnInit::paper}) {
    const History h = train(Preset::weightnorm, 1, zeros, 2, 1, 1e-3f, init);
    CHECK(h.stopped.empty());
    REQUIRE(h.epochs.size() == 2);
    CHECK(std::isfinite(h.epochs[1].loss));
  }
}

TEST_CASE("memory_bytes tells the size before allocating, and grows with the batch") {
  auto model = Model::build(preset(Preset::weightnorm), 1);
  const std::size_t b32 = Trainer::memory_bytes(*model.value(), {32, 1, 0});
  const std::size_t b64 = Trainer::memory_bytes(*model.value(), {64, 1, 0});
  CHECK(b32 > 5u << 20);  // activations and scratch of 32 images: several MB
  CHECK(double(b64) > 1.7 * double(b32));  // per-sample buffers dominate; parameters are fixed
  CHECK(Trainer::memory_bytes(*model.value(), {32, 2, 0}) > b32);  // a workspace per thread
}
