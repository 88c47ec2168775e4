// The settings table (src/config/settings.hpp): the run JSON the page hands the module is checked
// by the same parsers as wn-train's flags, and everything derived from the table agrees with it.
#include <doctest/doctest.h>

#include <string>

#include "cli/options.hpp"
#include "config/catalog.hpp"
#include "config/settings.hpp"

using namespace wn;
using settings::parse_run_json;

namespace {
Result<GridSpec> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "wn-train");
  return settings::parse_args(int(args.size()), args.data());
}
}  // namespace

TEST_CASE("one run's settings as JSON, as the browser worker passes them") {
  auto r = parse_run_json(R"({"model": "weightnorm", "seed": 3, "learning_rate": 0.01, "optimizer": "sgd", "momentum": 0.5,
                              "epochs": 2, "batch_size": 16, "threads": 2, "wn_init": "paper", "progress_every": 5,
                              "init_samples": 64})");
  REQUIRE_MESSAGE(r, (r ? "" : r.message()));
  CHECK(r->model == ModelKind::weightnorm);
  CHECK(r->seed == 3);
  CHECK(r->learning_rate == 0.01f);
  CHECK(r->optimizer == OptimizerKind::sgd);
  CHECK(r->momentum == 0.5f);
  CHECK(r->epochs == 2);
  CHECK(r->batch_size == 16);
  CHECK(r->threads == 2);
  CHECK(r->progress_every == 5);
  CHECK(r->init_samples == 64);
  CHECK(r->wn_init == WnInit::paper);
  // Numbers may come as strings, which read as the flags' values do.
  auto s = parse_run_json(R"({"model":"regular","seed":"7","learning_rate":"1e-3"})");
  REQUIRE(s);
  CHECK(s->seed == 7);
  CHECK(s->model == ModelKind::regular);
  // An empty object is the defaults: one model, the tutorial's settings.
  auto d = parse_run_json("{}");
  CHECK(d.message() == "one run takes one model, one weight-norm init, one seed, one learning rate and one batch size");
}

TEST_CASE("the run JSON is refused with the flags' messages, and the CLI's own settings are not a run's") {
  CHECK(parse_run_json(R"({"data": "x"})").message() == "unknown setting 'data'");
  CHECK(parse_run_json(R"({"help": "1"})").message() == "unknown setting 'help'");
  CHECK(parse_run_json(R"({"experiment": "sgd"})").message() == "unknown setting 'experiment'");
  CHECK(parse_run_json(R"({"model": "both"})").message() == "one run takes one model, one weight-norm init, one seed, one learning rate and one batch size");
  CHECK(parse_run_json(R"({"model": "regular", "learning_rate": 1e39})").message().find("outside what a float holds") != std::string::npos);
  CHECK(parse_run_json(R"({"model": "regular", "learning_rate": 1e-10})").message() == "learning_rate must be between 1e-09 and 100, got 1e-10");
  CHECK(parse_run_json(R"({"model": "regular", "epochs": 1001})").message() == "epochs must be between 0 and 1000, got 1001");
  CHECK(parse_run_json(R"({"model": "regular", "epochs": 2.5})").message() == "epochs expects an integer, got '2.5'");
  CHECK(parse_run_json(R"({"model": "regular", "momentum": 0.9})").message() == "--momentum applies to --optimizer sgd only");
  CHECK(parse_run_json(R"({"model": "nope"})").message() == "model takes regular, weightnorm, wn-mobn, batchnorm or both, got 'nope'");
}

TEST_CASE("the run JSON must be one flat object of numbers and strings") {
  for (const char* bad : {"", "[]", "{", "{\"model\"}", "{\"model\":}", "{\"model\":\"regular\",}", "{\"model\":\"regular\"} x",
                          "{\"seed\":true}", "{\"seed\":null}", "{\"seed\":[1]}", "{\"seed\":{}}", "{\"seed\":01x}", "{\"seed\":-}",
                          "{\"model\":\"reg", "{\"model\":\"\\q\"}", "{\"model\":\"\\u12\"}", "{seed:1}", "{\"seed\":1 \"model\":2}"}) {
    auto r = parse_run_json(bad);
    CHECK_MESSAGE(!r, bad);
    CHECK_MESSAGE(!r.message().empty(), bad);
  }
  CHECK(parse_run_json(R"({"seed": 1, "seed": 2})").message() == "the run configuration gives seed twice");
  // Escapes decode: "\u0072egular" is "regular".
  auto r = parse_run_json("{\"model\": \"\\u0072egular\"}");
  REQUIRE_MESSAGE(r, (r ? "" : r.message()));
  CHECK(r->model == ModelKind::regular);
}

TEST_CASE("each setting's stated default is what wn-train uses when it is not given") {
  auto plain = parse({});
  REQUIRE(plain);
  const auto base = expand_grid(plain.value(), 1);
  for (const settings::Setting& s : settings::table()) {
    if (!s.flag || !s.fallback || s.type == settings::Type::toggle) continue;
    auto given = parse({s.flag, s.fallback});
    REQUIRE_MESSAGE(given, s.key, ": ", given.message());
    const auto grid = expand_grid(given.value(), 1);
    REQUIRE_MESSAGE(grid.size() == base.size(), s.key);
    for (std::size_t i = 0; i < grid.size(); ++i) {
      CHECK_MESSAGE(grid[i].model == base[i].model, s.key);
      CHECK_MESSAGE(grid[i].seed == base[i].seed, s.key);
      CHECK_MESSAGE(grid[i].learning_rate == base[i].learning_rate, s.key);
      CHECK_MESSAGE(grid[i].momentum == base[i].momentum, s.key);
      CHECK_MESSAGE(grid[i].optimizer == base[i].optimizer, s.key);
      CHECK_MESSAGE(grid[i].wn_init == base[i].wn_init, s.key);
      CHECK_MESSAGE(grid[i].epochs == base[i].epochs, s.key);
      CHECK_MESSAGE(grid[i].batch_size == base[i].batch_size, s.key);
      CHECK_MESSAGE(grid[i].progress_every == base[i].progress_every, s.key);
    }
    CHECK_MESSAGE(given->train_samples == plain->train_samples, s.key);
    CHECK_MESSAGE(given->test_samples == plain->test_samples, s.key);
    CHECK_MESSAGE(given->data == plain->data, s.key);
  }
}

TEST_CASE("--help and the catalog list every setting of the table") {
  const std::string help = usage(), catalog = catalog_json("test");
  for (const settings::Setting& s : settings::table()) {
    if (s.flag) CHECK_MESSAGE(help.find(std::string("  ") + s.flag) != std::string::npos, s.flag);
    CHECK_MESSAGE(catalog.find(std::string("{\"key\": \"") + s.key + "\"") != std::string::npos, s.key);
    // Every setting a front end can give is one the table can parse, or one only the page reads.
    if (s.faces & (settings::kFlag | settings::kRunJson)) CHECK_MESSAGE(bool(s.apply), s.key);
  }
  CHECK(help.find("  --lr LIST") != std::string::npos);
  CHECK(help.find("(default 1e-3)") != std::string::npos);
  CHECK(help.find("wn-mobn") != std::string::npos);
  CHECK(parse({"--catalog"})->catalog);
  CHECK(parse({"--catalog=1"}).message() == "--catalog takes no value");
}

TEST_CASE("check_setting: one setting's text, as its flag takes it; the page asks it about free text") {
  using settings::check_setting;
  CHECK(check_setting("arch", "convpool-c"));
  CHECK(check_setting("arch", "lrelu-c8k3s-p2-gap-d10"));
  CHECK(check_setting("arch", "c8k3s-p64-d10").message() == "arch: 'p64': a pool size must be from 1 to 32");
  CHECK_FALSE(check_setting("arch", ""));
  CHECK_FALSE(check_setting("width", "9"));
  CHECK(check_setting("width", "0.25"));
  CHECK(check_setting("nope", "1").message() == "unknown setting 'nope'");
}
