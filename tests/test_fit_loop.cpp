#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <numeric>

#include "training.hpp"
#include "io/weights.hpp"
#include "train/history.hpp"

using namespace wn;
using Kind = FitEvent::Kind;

namespace {
// Every event of a loop driven in slices of `slice` batches, `none` left out.
std::vector<FitEvent> events(Run& run, int slice) {
  std::vector<FitEvent> out;
  for (;;) {
    FitEvent e = run.loop().advance(slice);
    if (e.kind == Kind::none) continue;
    out.push_back(e);
    if (e.kind == Kind::done || e.kind == Kind::diverged) return out;
  }
}

// An ImageSource that records which samples were gathered, in order.
struct Recording final : ImageSource {
  const Dataset& data;
  mutable std::vector<std::uint32_t> seen;
  explicit Recording(const Dataset& d) : data(d) {}
  int size() const override { return data.size(); }
  void gather(const std::uint32_t* index, int n, std::uint8_t* images, std::uint8_t* labels) const override {
    seen.insert(seen.end(), index, index + n);
    data.gather(index, n, images, labels);
  }
};
}  // namespace

TEST_CASE("the loop's events: progress every N steps and at each epoch's end, then epoch, then done") {
  const Dataset train = test::quadrants(1000, 5), valid = test::quadrants(100, 6);
  RunConfig c = test::config(ModelKind::weightnorm, 2, 1, 3);
  c.progress_every = 8;
  auto run = test::make_run(c, train, valid);
  const std::vector<FitEvent> ev = events(*run, 1000000);
  // ceil(1000 / 32) = 32 steps: progress at 8, 16, 24, 32, then the epoch; three times; then done.
  std::vector<Kind> expected;
  for (int e = 0; e < 3; ++e) expected.insert(expected.end(), {Kind::progress, Kind::progress, Kind::progress, Kind::progress, Kind::epoch});
  expected.push_back(Kind::done);
  std::vector<Kind> kinds;
  for (const FitEvent& e : ev) kinds.push_back(e.kind);
  CHECK(kinds == expected);
  CHECK(ev[0].step == 8);
  CHECK(ev[3].step == 32);
  CHECK(ev[3].steps == 32);
  CHECK(ev[4].log.epoch == 1);
  CHECK(ev[14].log.epoch == 3);
  CHECK(run->trainer().steps_done() == 3 * 32);  // the partial last batch is kept
  const History& h = run->history();
  REQUIRE(h.epochs.size() == 3);
  CHECK(h.epochs[2].loss < h.epochs[0].loss);
  CHECK(h.epochs[2].val_accuracy > 0.8);
  // The progress at an epoch's end carries that epoch's running metrics, which the epoch record keeps.
  CHECK(ev[3].loss == h.epochs[0].loss);
  CHECK(ev[3].accuracy == h.epochs[0].accuracy);
}

TEST_CASE("slices change nothing: one batch at a time gives the same events and history as one call") {
  const Dataset train = test::quadrants(300, 7), valid = test::quadrants(90, 8);
  const RunConfig c = test::config(ModelKind::weightnorm, 1, 4, 2);
  auto whole = test::make_run(c, train, valid), sliced = test::make_run(c, train, valid);
  const auto a = events(*whole, 1000000), b = events(*sliced, 1);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].kind == b[i].kind);
    CHECK(a[i].step == b[i].step);
    CHECK(a[i].loss == b[i].loss);
  }
  CHECK(whole->history().epochs.back().val_loss == sliced->history().epochs.back().val_loss);
  // advance(1) processes one batch: 10 training steps + 3 validation batches per epoch.
  auto counted = test::make_run(c, train, valid);
  int calls = 0;
  while (!counted->loop().finished()) counted->loop().advance(1), ++calls;
  CHECK(calls == 2 * (10 + 3));
}

TEST_CASE("the data order: a fresh permutation each epoch, the same for every model of a seed") {
  const Dataset train = test::quadrants(100, 9), valid = test::quadrants(20, 10);
  Recording a(train), b(train), other(train);
  test::fit(test::config(ModelKind::regular, 1, 5, 2), a, valid);
  test::fit(test::config(ModelKind::weightnorm, 1, 5, 2), b, valid);
  test::fit(test::config(ModelKind::regular, 1, 6, 2), other, valid);
  // Weight norm's data init gathers the first batch once more, before its first step.
  std::vector<std::uint32_t> wn_steps(b.seen.begin() + 32, b.seen.end());
  CHECK(std::equal(b.seen.begin(), b.seen.begin() + 32, a.seen.begin()));
  CHECK(wn_steps == a.seen);
  REQUIRE(a.seen.size() == 200);
  std::vector<std::uint32_t> e1(a.seen.begin(), a.seen.begin() + 100), e2(a.seen.begin() + 100, a.seen.end());
  CHECK(e1 != e2);
  std::sort(e1.begin(), e1.end());
  std::vector<std::uint32_t> all(100);
  std::iota(all.begin(), all.end(), 0u);
  CHECK(e1 == all);  // a permutation: every sample once
  CHECK(other.seen != a.seen);
}

TEST_CASE("--init-samples: weight norm's data init sees that many images of the first order") {
  const Dataset train = test::quadrants(200, 11), valid = test::quadrants(20, 12);
  RunConfig c = test::config(ModelKind::weightnorm, 1, 1, 1);
  c.init_samples = 150;
  Recording r(train);
  test::fit(c, r, valid);
  CHECK(r.seen.size() == 150 + 200);
  CHECK(std::equal(r.seen.begin(), r.seen.begin() + 150, r.seen.begin() + 150));
  // A different init batch gives different initial g, so a different first loss.
  RunConfig one_batch = c;
  one_batch.init_samples.reset();
  CHECK(test::fit(c, train, valid).epochs[0].loss != test::fit(one_batch, train, valid).epochs[0].loss);
}

TEST_CASE("timing: ms_per_step is busy time per training step, time between calls never counts") {
  const Dataset train = test::quadrants(320, 13), valid = test::quadrants(32, 14);
  auto run = test::make_run(test::config(ModelKind::regular, 1, 1, 1), train, valid);
  FitEvent e;
  while ((e = run->loop().advance(1)).kind != Kind::progress) {}
  CHECK(e.ms_per_step > 0);
  CHECK(e.samples_per_s == doctest::Approx(32000.0 / e.ms_per_step));  // full batches of 32
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(200)) {}  // a "pause"
  const double before = e.seconds;
  while ((e = run->loop().advance(1)).kind != Kind::epoch) {}
  CHECK(e.log.seconds < before + 0.2);  // the pause is not in the epoch's time
  CHECK(run->history().ms_per_step == doctest::Approx(e.ms_per_step));
}

TEST_CASE("a NaN loss stops the run and names the epoch and step, the history so far stays") {
  const Dataset data = test::quadrants(100, 7);
  auto run = test::make_run(test::config(ModelKind::regular, 1, 1, 3), data, data);
  while (run->loop().advance().kind != Kind::epoch) {}
  run->model().params()[3] = std::nanf("");  // poison a weight after a good epoch
  const FitEvent e = run->loop().advance();
  CHECK(e.kind == Kind::diverged);
  CHECK(e.message == "training diverged at epoch 2 step 1 (loss is nan)");
  CHECK(run->history().stopped == e.message);
  CHECK(run->history().epochs.size() == 1);
  CHECK(run->loop().finished());
  CHECK(run->loop().advance().kind == Kind::diverged);  // and stays so
}

TEST_CASE("lr = 10 blows the loss up without a NaN, the divergence bound stops it") {
  const Dataset data = test::quadrants(320, 8);
  const History h = test::fit(test::config(ModelKind::regular, 1, 1, 3, 10.0f), data, data);
  CHECK(h.stopped.rfind("training diverged at epoch 1 step ", 0) == 0);
  CHECK(h.stopped.find("exceeds 230, 100x that of a uniform guess") != std::string::npos);
  CHECK(h.epochs.empty());
  CHECK(test::fit(test::config(ModelKind::regular, 1, 1, 1), data, data).stopped.empty());  // a sane run never comes near
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
    const History h = test::fit(test::config(ModelKind::weightnorm, 1, 1, 2, 1e-3f, init), zeros, zeros);
    CHECK(h.stopped.empty());
    REQUIRE(h.epochs.size() == 2);
    CHECK(std::isfinite(h.epochs[1].loss));
  }
}

TEST_CASE("the confusion matrix of the last validation: rows sum to each class, the trace to the accuracy") {
  const Dataset train = test::quadrants(320, 15), valid = test::quadrants(250, 16);
  const History h = test::fit(test::config(ModelKind::regular, 2, 1, 2), train, valid);
  long total = 0, trace = 0;
  long per_class[10] = {};
  for (std::uint8_t l : valid.labels) ++per_class[l];
  for (int t = 0; t < 10; ++t) {
    long row = 0;
    for (int p = 0; p < 10; ++p) row += h.confusion[t][p];
    CHECK(row == per_class[t]);
    total += row;
    trace += h.confusion[t][t];
  }
  CHECK(total == 250);
  CHECK(double(trace) / 250 == h.epochs.back().val_accuracy);
  const std::vector<double> pc = per_class_accuracy(h.confusion);
  CHECK(pc[0] == doctest::Approx(double(h.confusion[0][0]) / double(per_class[0])));
  CHECK(pc[9] == 0.0);  // a class never seen
}

TEST_CASE("epochs 0 evaluates once: an epoch-0 record with validation only, predictions of the first test images") {
  const Dataset train = test::quadrants(64, 17), valid = test::quadrants(40, 18);
  auto run = test::make_run(test::config(ModelKind::weightnorm, 1, 1, 0), train, valid);
  std::vector<FitEvent> ev = events(*run, 1000);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == Kind::epoch);
  CHECK(ev[0].log.epoch == 0);
  CHECK(std::isnan(ev[0].log.loss));
  CHECK(ev[0].log.val_loss > 0);
  CHECK(ev[1].kind == Kind::done);
  CHECK(run->trainer().steps_done() == 0);
  const auto& p = run->loop().predictions();
  REQUIRE(p.size() == std::size_t(kInspectSamples));
  long correct = 0;
  for (int i = 0; i < kInspectSamples; ++i) {
    CHECK(p[i].label == valid.labels[i]);
    double sum = 0;
    for (float q : p[i].probs) sum += q;
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
    correct += std::max_element(p[i].probs.begin(), p[i].probs.end()) - p[i].probs.begin() == p[i].label;
  }
  CHECK(correct <= 32);
  // The weights it evaluated are the ones the trainer left: a second run from them agrees.
  RunConfig again = test::config(ModelKind::weightnorm, 1, 1, 0);
  again.initial_weights = std::make_shared<const std::vector<float>>(snapshot(run->model()));
  CHECK(test::fit(again, train, valid).epochs[0].val_loss == run->history().epochs[0].val_loss);
}

TEST_CASE("a run from saved weights skips the data init and validates what was saved") {
  const Dataset train = test::quadrants(96, 19), valid = test::quadrants(64, 20);
  auto trained = test::make_run(test::config(ModelKind::weightnorm, 2, 1, 1), train, valid);
  events(*trained, 1000);
  RunConfig c = test::config(ModelKind::weightnorm, 2, 1, 0);
  c.initial_weights = std::make_shared<const std::vector<float>>(snapshot(trained->model()));
  CHECK(test::fit(c, train, valid).epochs[0].val_accuracy == trained->history().epochs[0].val_accuracy);
  // Training on from them: one SGD step of lr 1e-9 moves nothing visibly, while a data init would
  // have rescaled every g.
  c.epochs = 1, c.optimizer = OptimizerKind::sgd, c.learning_rate = 1e-9f;
  auto more = test::make_run(c, train, valid);
  more->loop().advance(1);
  REQUIRE(more->trainer().steps_done() == 1);
  double worst = 0;
  for (std::size_t i = 0; i < more->model().params().size(); ++i)
    worst = std::max(worst, double(std::abs(more->model().params()[i] - (*c.initial_weights)[i])));
  CHECK(worst < 1e-6);
  RunConfig wrong = test::config(ModelKind::regular, 1, 1, 0);
  wrong.initial_weights = c.initial_weights;
  CHECK(Run::create(wrong, train, valid).message() == "the weights hold 62242 values, the model \"regular\" has 62006");
}

TEST_CASE("a data init on too few images is warned about, enough images, no init, or a plain net are not") {
  RunConfig c = test::config(ModelKind::weightnorm);
  c.batch_size = 2;
  REQUIRE(run_warnings(c, 1000).size() == 1);
  CHECK(run_warnings(c, 1000)[0].find("sees only 2 image(s)") != std::string::npos);
  c.init_samples = 500;
  CHECK(run_warnings(c, 1000).empty());
  c.init_samples = 8;
  CHECK(run_warnings(c, 1000).size() == 1);
  c.wn_init = WnInit::none;
  CHECK(run_warnings(c, 1000).empty());
  CHECK(run_warnings(test::config(ModelKind::regular), 1000).empty());
  // The init sees what the training set has: 10 images, however many were asked for.
  c.wn_init = WnInit::tfa;
  c.init_samples = 500;
  REQUIRE(run_warnings(c, 10).size() == 1);
  CHECK(run_warnings(c, 10)[0].find("sees only 10 image(s)") != std::string::npos);
}

TEST_CASE("a batch larger than the training set is warned about") {
  RunConfig c = test::config(ModelKind::regular);
  c.batch_size = 64;
  CHECK(run_warnings(c, 64).empty());
  REQUIRE(run_warnings(c, 10).size() == 1);
  CHECK(run_warnings(c, 10)[0] == "the batch of 64 is larger than the 10 training image(s): every step sees the whole set");
}
