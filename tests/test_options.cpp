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
  CHECK(o->epochs == 10);
  CHECK(o->batch_size == 32);
  CHECK(o->learning_rate == doctest::Approx(1e-3));
  CHECK(o->models.size() == 2);
  CHECK(o->wn_init == WnInit::tfa);
}

TEST_CASE("wn-train options: every flag, in both spellings") {
  auto o = parse({"--data", "x.tar.gz", "--model", "weightnorm", "--epochs=3", "--batch-size", "64", "--lr", "0.01",
                  "--train-samples", "2000", "--test-samples=500", "--seed", "9", "--threads", "2", "--wn-init",
                  "paper", "--json", "h.json", "--optimizer", "sgd", "--momentum", "0.9", "--quiet"});
  REQUIRE_MESSAGE(o, (o ? "" : o.message()));
  CHECK(o->data == "x.tar.gz");
  CHECK(o->models == std::vector<Preset>{Preset::weightnorm});
  CHECK(o->epochs == 3);
  CHECK(o->batch_size == 64);
  CHECK(o->learning_rate == doctest::Approx(0.01));
  CHECK(o->train_samples == 2000);
  CHECK(o->test_samples == 500);
  CHECK(o->seed == 9);
  CHECK(o->threads == 2);
  CHECK(o->wn_init == WnInit::paper);
  CHECK(o->json == "h.json");
  CHECK(o->optimizer == OptimizerKind::sgd);
  CHECK(o->momentum == doctest::Approx(0.9));
  CHECK(o->quiet);
}

TEST_CASE("wn-train options: bad input is an error that names the flag") {
  const std::vector<std::vector<const char*>> bad = {
      {"--bogus"}, {"--epochs"}, {"--epochs", "0"}, {"--epochs", "-3"}, {"--epochs", "3x"},
      {"--batch-size", "0"}, {"--lr", "0"}, {"--lr", "-1"}, {"--lr", "nan"}, {"--model", "resnet"},
      {"--wn-init", "xavier"}, {"--train-samples", "50001"}, {"--threads", "99999999999999999999"}};
  for (const auto& args : bad) {
    CAPTURE(args[0]);
    auto o = parse(args);
    REQUIRE(!o);
    CHECK(o.message().find(args[0]) != std::string::npos);
  }
}
