#include <doctest/doctest.h>

#include "cli/options.hpp"

using namespace wn;

namespace {
Result<CliOptions> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "wn-train");
  return parse_options(int(args.size()), args.data());
}
}  // namespace

TEST_CASE("wn-train options: defaults are the tutorial's") {
  auto o = parse({});
  REQUIRE(o);
  CHECK(o->run.epochs == 10);
  CHECK(o->batch_sizes == std::vector<int>{32});
  REQUIRE(o->sweeps.size() == 1);
  CHECK(o->sweeps[0].learning_rates == std::vector<float>{1e-3f});
  CHECK(o->sweeps[0].optimizer == OptimizerKind::adam);
  CHECK(o->models == std::vector<ModelKind>{ModelKind::regular, ModelKind::weightnorm});
  CHECK(o->seeds == std::vector<std::uint64_t>{0});
  CHECK(o->wn_inits == std::vector<WnInit>{WnInit::tfa});
  CHECK(!o->run.init_samples);
  CHECK(!o->threads);
}

TEST_CASE("wn-train options: every flag, in both spellings") {
  auto o = parse({"--data", "x.tar.gz", "--model", "weightnorm", "--epochs=3", "--batch-size", "64", "--lr", "0.01",
                  "--train-samples", "2000", "--test-samples=500", "--seed", "9", "--threads", "2", "--wn-init",
                  "paper", "--json", "h.json", "--optimizer", "sgd", "--momentum", "0.9", "--init-samples", "500",
                  "--quiet"});
  REQUIRE_MESSAGE(o, (o ? "" : o.message()));
  CHECK(o->data == "x.tar.gz");
  CHECK(o->models == std::vector<ModelKind>{ModelKind::weightnorm});
  CHECK(o->run.epochs == 3);
  CHECK(o->batch_sizes == std::vector<int>{64});
  CHECK(o->sweeps[0].learning_rates == std::vector<float>{0.01f});
  CHECK(o->train_samples == 2000);
  CHECK(o->test_samples == 500);
  CHECK(o->seeds == std::vector<std::uint64_t>{9});
  CHECK(*o->threads == 2);
  CHECK(o->wn_inits == std::vector<WnInit>{WnInit::paper});
  CHECK(o->json == "h.json");
  CHECK(o->sweeps[0].optimizer == OptimizerKind::sgd);
  CHECK(o->sweeps[0].momentum == doctest::Approx(0.9));
  CHECK(*o->run.init_samples == 500);
  CHECK(o->quiet);
}

TEST_CASE("wn-train options: grids of models, seeds and learning rates, paired by seed") {
  auto o = parse({"--model", "regular,weightnorm", "--seeds", "1-3,7", "--lr", "1e-3,1e-2"});
  REQUIRE_MESSAGE(o, (o ? "" : o.message()));
  CHECK(o->seeds == std::vector<std::uint64_t>{1, 2, 3, 7});
  const std::vector<RunConfig> grid = expand_grid(o.value(), 2);
  REQUIRE(grid.size() == 2 * 4 * 2);
  // Models innermost: the paired runs of one seed follow each other.
  CHECK(grid[0].model == ModelKind::regular);
  CHECK(grid[1].model == ModelKind::weightnorm);
  CHECK(grid[0].seed == grid[1].seed);
  CHECK(grid[2].seed == 2);
  CHECK(grid[8].learning_rate == 1e-2f);
  for (const RunConfig& c : grid) CHECK(c.threads == 2);
  CHECK(parse({"--model", "both"})->models == parse({"--model", "regular,weightnorm"})->models);
  // Inits are variants of the weight-normalised model only.
  auto inits = parse({"--model", "both", "--wn-init", "tfa,paper,none"});
  REQUIRE(inits);
  const auto cells = expand_grid(inits.value(), 1);
  REQUIRE(cells.size() == 4);
  CHECK(cells[0].model == ModelKind::regular);
  CHECK(cells[3].wn_init == WnInit::none);
}

TEST_CASE("wn-train --experiment: the preset's grid and data, and flags after it override") {
  auto o = parse({"--experiment", "lr-sweep"});
  REQUIRE_MESSAGE(o, (o ? "" : o.message()));
  CHECK(o->experiment == "lr-sweep");
  CHECK(o->seeds == std::vector<std::uint64_t>{1, 2, 3});
  REQUIRE(o->sweeps.size() == 2);
  CHECK(o->sweeps[1].optimizer == OptimizerKind::sgd);
  CHECK(o->train_samples == 10000);
  CHECK(expand_grid(o.value(), 1).size() == 2 * 5 * 3 * 2);
  auto breaking = parse({"--seeds", "1-5", "--experiment=breaking"});
  REQUIRE(breaking);
  CHECK(breaking->seeds.size() == 5);  // a flag wins wherever it stands
  CHECK(expand_grid(breaking.value(), 1).size() == 5 * 3);  // regular, weightnorm tfa, weightnorm paper
  auto one_lr = parse({"--experiment", "lr-sweep", "--lr", "0.05"});
  REQUIRE(one_lr->sweeps.size() == 1);
  CHECK(one_lr->sweeps[0].optimizer == OptimizerKind::adam);
  CHECK(one_lr->sweeps[0].learning_rates == std::vector<float>{0.05f});
  auto sgd = parse({"--experiment", "sgd", "--optimizer", "adam"});
  CHECK(sgd->sweeps[0].learning_rates == std::vector<float>{1e-3f});  // another optimiser: its default lr
  CHECK(parse({"--experiment", "nope"}).message().rfind("--experiment must be one of tutorial, sgd,", 0) == 0);
  for (const Experiment& e : experiments()) {
    CAPTURE(e.name);
    CHECK(parse({"--experiment", e.name.c_str()}));
    CHECK(!e.text.empty());
  }
}

TEST_CASE("wn-train options: numbers that round-trip through float, and nothing else") {
  CHECK(parse({"--lr", "4e-7"})->sweeps[0].learning_rates[0] == 4e-7f);
  for (const char* v : {"1e39", "1e-50", "1e-45", "1e-10", "101"}) {
    CAPTURE(v);
    auto o = parse({"--lr", v});
    REQUIRE(!o);
    CHECK(o.message().find("--lr") != std::string::npos);
  }
  CHECK(parse({"--lr", "1e39"}).message().find("outside what a float holds") != std::string::npos);
  CHECK(parse({"--lr", "1e-10"}).message() == "--lr must be between 1e-09 and 100, got 1e-10");
  CHECK(parse({"--momentum", "1e39"}).message().find("outside what a float holds") != std::string::npos);
  CHECK(parse({"--momentum", "1e-50"}).message().find("outside what a float holds") != std::string::npos);
  CHECK(parse({"--optimizer", "sgd", "--momentum", "0"}));
  CHECK(parse({"--optimizer", "sgd", "--momentum", "0.99"}));
  CHECK(parse({"--optimizer", "sgd", "--momentum", "1"}).message() == "--momentum must be below 1, got 1");
  // Decimal notation only: no blanks, no '+', no hex floats, no words.
  CHECK(parse({"--lr", ".01"})->sweeps[0].learning_rates[0] == 0.01f);
  for (const char* v : {" 5", "5 ", "+5", "0x10", "1e1"}) {
    CAPTURE(v);
    CHECK(parse({"--epochs", v}).message() == std::string("--epochs expects an integer, got '") + v + "'");
  }
  for (const char* v : {" 1e-3", "+1e-3", "0x1p-10", "inf", "1e-3 "}) {
    CAPTURE(v);
    CHECK(parse({"--lr", v}).message() == std::string("--lr expects a number, got '") + v + "'");
  }
}

TEST_CASE("wn-train options: bad input is an error that names the flag") {
  const std::vector<std::vector<const char*>> bad = {
      {"--bogus"}, {"--epochs"}, {"--epochs", "-3"}, {"--epochs", "3x"},
      {"--batch-size", "0"}, {"--batch-size", "1025"}, {"--lr", "0"}, {"--lr", "-1"}, {"--lr", "nan"},
      {"--lr", "1e-3,,1e-2"}, {"--lr", "1e-3,1e-3"}, {"--model", "resnet"}, {"--model", "regular,regular"},
      {"--model", ""}, {"--seeds", "5-1"}, {"--seeds", "1-1000"}, {"--seeds", "1,1"}, {"--seeds", "x"},
      {"--wn-init", "xavier"}, {"--wn-init", "tfa,tfa"}, {"--experiment", "x"}, {"--train-samples", "50001"}, {"--threads", "99999999999999999999"},
      {"--init-samples", "0"}, {"--momentum", "0.9"}, {"--experiment", ""}, {"--experiment", "nope", "--experiment", "sgd"},
      {"--json", ""}, {"--data", ""}, {"--save-weights", ""}};
  for (const auto& args : bad) {
    CAPTURE(args[0]);
    CAPTURE(args.size() > 1 ? args[1] : "");
    auto o = parse(args);
    REQUIRE(!o);
    CHECK(o.message().find(args[0]) != std::string::npos);
  }
}

TEST_CASE("wn-train options: switches take no value, an invalid --experiment is an error wherever it stands") {
  CHECK(parse({"--quiet=1"}).message() == "--quiet takes no value");
  CHECK(parse({"--version=yes"}).message() == "--version takes no value");
  CHECK(parse({"--experiment", "nope", "--experiment", "sgd"}).message().find("got 'nope'") != std::string::npos);
  CHECK(parse({"--experiment", "sgd", "--experiment", "tutorial"})->experiment == "tutorial");  // the last one counts
}

TEST_CASE("--save-weights names one file per run, --epochs 0 only evaluates") {
  auto o = parse({"--model", "both", "--seeds", "1-2", "--save-weights", "w/{model}-{init}-{seed}.npz", "--epochs", "0"});
  REQUIRE_MESSAGE(o, (o ? "" : o.message()));
  CHECK(o->run.epochs == 0);
  const auto grid = expand_grid(o.value(), 1);
  CHECK(weights_path(o->save_weights, grid[1]) == "w/weightnorm-tfa-1.npz");
  CHECK(weights_path(o->save_weights, grid[2]) == "w/regular-tfa-2.npz");
  CHECK(weights_path("{lr}_{optimizer}.npz", grid[0]) == "0.001_adam.npz");
  auto clash = parse({"--model", "both", "--save-weights", "w-{seed}.npz"});
  REQUIRE(!clash);
  CHECK(clash.message().find("names the same file for several runs") != std::string::npos);
}

TEST_CASE("wn-train --help lists the exit codes") {
  CHECK(usage().find("Exit codes: 0 success, 1 data, file or memory error, 2 bad options, 3 a run diverged") !=
        std::string::npos);
  CHECK(parse({"--version"})->version);
}

TEST_CASE("wn-train options: a list of batch sizes is a grid dimension, outermost") {
  auto o = parse({"--model", "batchnorm,weightnorm", "--seeds", "1-2", "--batch-size", "2,4,8,32"});
  REQUIRE_MESSAGE(o, (o ? "" : o.message()));
  CHECK(o->batch_sizes == std::vector<int>{2, 4, 8, 32});
  const std::vector<RunConfig> grid = expand_grid(o.value(), 1);
  REQUIRE(grid.size() == 4 * 2 * 2);
  // Per batch size the whole grid of seeds and variants, paired runs still adjacent.
  for (std::size_t i = 0; i < grid.size(); ++i) CHECK(grid[i].batch_size == std::vector<int>{2, 4, 8, 32}[i / 4]);
  CHECK(grid[0].model == ModelKind::batchnorm);
  CHECK(grid[1].model == ModelKind::weightnorm);
  CHECK(grid[1].seed == 1);
  CHECK(grid[2].seed == 2);
  // One batch size is the grid it always was.
  auto one = parse({"--batch-size", "16"});
  REQUIRE(one);
  for (const RunConfig& c : expand_grid(one.value(), 1)) CHECK(c.batch_size == 16);
  CHECK(parse({"--batch-size", "2,2"}).message() == "--batch-size lists a value twice");
  CHECK(parse({"--batch-size", "2,0"}).message() == "--batch-size must be between 1 and 1024, got 0");
  CHECK(parse({"--batch-size", "2,"}).message() == "--batch-size expects an integer, got ''");
  CHECK(parse({"--batch-size", "1,2,3,4,5,6,7,8,9,10,11"}).message() == "--batch-size lists more than 10 values");
  // Weight files need {batch} (or another placeholder) to tell the batch sizes apart.
  CHECK(!parse({"--batch-size", "2,4", "--save-weights", "w.npz"}));
  auto saved = parse({"--batch-size", "2,4", "--save-weights", "w-{model}-{batch}.npz"});
  REQUIRE(saved);
  CHECK(weights_path("w-{model}-{batch}.npz", expand_grid(saved.value(), 1)[3]) == "w-weightnorm-4.npz");
}

TEST_CASE("wn-train --experiment small-batch: three models at four batch sizes, weight norm's init on 32 images") {
  auto o = parse({"--experiment", "small-batch"});
  REQUIRE_MESSAGE(o, (o ? "" : o.message()));
  CHECK(o->batch_sizes == std::vector<int>{2, 4, 8, 32});
  CHECK(o->models == std::vector<ModelKind>{ModelKind::batchnorm, ModelKind::weightnorm, ModelKind::regular});
  CHECK(*o->run.init_samples == 32);
  const auto grid = expand_grid(o.value(), 1);
  CHECK(grid.size() == 4 * 3 * std::size_t(o->seeds.size()));
  // Equal images seen: the same epochs and training set at every batch size.
  for (const RunConfig& c : grid) CHECK(c.epochs == grid[0].epochs);
  auto one = parse({"--experiment", "small-batch", "--batch-size", "8"});
  REQUIRE(one);
  CHECK(one->batch_sizes == std::vector<int>{8});
}
