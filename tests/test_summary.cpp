#include <doctest/doctest.h>

#include <optional>

#include "train/summary.hpp"

using namespace wn;

namespace {
RunOutcome outcome(ModelKind model, std::uint64_t seed, float lr, std::vector<double> val_accuracy, WnInit init = WnInit::tfa) {
  RunOutcome r;
  r.config.model = model, r.config.seed = seed, r.config.learning_rate = lr, r.config.wn_init = init;
  int epoch = 0;
  for (double a : val_accuracy) r.history.epochs.push_back({++epoch, 1.0, 1.0, 0.5, 1.0, a});
  return r;
}
}  // namespace

TEST_CASE("summaries per cell: mean ± sd and min–max of the final val_accuracy over seeds, k of N ahead") {
  const std::vector<RunOutcome> runs = {
      outcome(ModelKind::regular, 1, 1e-3f, {0.1, 0.5}), outcome(ModelKind::weightnorm, 1, 1e-3f, {0.6}),
      outcome(ModelKind::weightnorm, 1, 1e-3f, {0.4}, WnInit::paper),
      outcome(ModelKind::regular, 2, 1e-3f, {0.7}),      outcome(ModelKind::weightnorm, 2, 1e-3f, {0.4}),
      outcome(ModelKind::weightnorm, 2, 1e-3f, {0.8}, WnInit::paper),
      outcome(ModelKind::regular, 3, 1e-3f, {0.6}),      outcome(ModelKind::weightnorm, 3, 1e-3f, {0.9}),
      outcome(ModelKind::weightnorm, 3, 1e-3f, {0.5}, WnInit::paper),
      outcome(ModelKind::regular, 1, 1e-2f, {}),         outcome(ModelKind::weightnorm, 1, 1e-2f, {0.3})};
  const auto cells = summarise_cells(runs);
  REQUIRE(cells.size() == 5);
  CHECK(cells[0].config.model == ModelKind::regular);
  CHECK(cells[0].runs == 3);
  CHECK(cells[0].mean == doctest::Approx(0.6));
  CHECK(cells[0].sd == doctest::Approx(0.1));  // sample sd of 0.5, 0.7, 0.6
  CHECK(cells[0].min == 0.5);
  CHECK(cells[0].max == 0.7);
  CHECK(variant_label(cells[2].config) == "weightnorm (paper init)");
  CHECK(cells[2].mean == doctest::Approx((0.4 + 0.8 + 0.5) / 3));
  CHECK(cells[3].runs == 0);  // diverged before its first epoch: counted nowhere
  CHECK(cells[4].sd == 0.0);
  const auto pairs = summarise_pairs(runs);
  REQUIRE(pairs.size() == 2);  // lr 1e-2 has no complete pair
  CHECK(pairs[0].config.wn_init == WnInit::tfa);
  CHECK(pairs[0].pairs == 3);
  CHECK(pairs[0].ahead == 2);
  CHECK(pairs[1].config.wn_init == WnInit::paper);
  CHECK(pairs[1].ahead == 1);
}

TEST_CASE("batch sizes are part of a cell: runs at batch 2 and 32 neither average nor pair across") {
  auto at = [](ModelKind m, std::uint64_t seed, int batch, double acc, std::optional<double> batch_stats = std::nullopt) {
    RunOutcome r = outcome(m, seed, 1e-3f, {acc});
    r.config.batch_size = batch;
    r.history.epochs.back().val_accuracy_batch_stats = batch_stats;
    return r;
  };
  const std::vector<RunOutcome> runs = {
      at(ModelKind::regular, 1, 2, 0.30), at(ModelKind::batchnorm, 1, 2, 0.10, 0.25),
      at(ModelKind::regular, 2, 2, 0.32), at(ModelKind::batchnorm, 2, 2, 0.12, 0.27),
      at(ModelKind::regular, 1, 32, 0.40), at(ModelKind::batchnorm, 1, 32, 0.50, 0.52),
      at(ModelKind::regular, 2, 32, 0.42), at(ModelKind::batchnorm, 2, 32, 0.46, 0.48)};
  const auto cells = summarise_cells(runs);
  REQUIRE(cells.size() == 4);
  CHECK(cells[1].config.batch_size == 2);
  CHECK(cells[1].mean == doctest::Approx(0.11));
  CHECK(cells[1].batch_stat_runs == 2);
  CHECK(cells[1].batch_stat_mean == doctest::Approx(0.26));
  CHECK(cells[0].batch_stat_runs == 0);
  CHECK(cells[3].mean == doctest::Approx(0.48));
  const std::string text = summary_text(runs);
  CHECK(text.find("adam lr 0.001 batch 2 ") != std::string::npos);
  CHECK(text.find("adam lr 0.001 batch 32") != std::string::npos);
  CHECK(text.find("0.2600 ± 0.0141  with batch statistics") != std::string::npos);
  // One batch size: the labels stay as they were.
  const std::vector<RunOutcome> one(runs.begin(), runs.begin() + 4);
  CHECK(summary_text(one).find("batch 2") == std::string::npos);
}
