#include "options.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

#include "../json.hpp"

namespace wn {

std::string usage() {
  return R"(wn-train: the TensorFlow Addons weight-normalisation tutorial on CIFAR-10.

Usage: wn-train [options]

  --data PATH            cifar-10-binary.tar.gz, a .tar, or a folder of the .bin files
                         (default data/cifar-10-binary.tar.gz; `npm run data` puts it there)
  --model LIST           regular, weightnorm, both = regular,weightnorm (default both)
  --seeds LIST           seeds for weights and data order, e.g. 1,2,3 or 1-5 (default 0);
                         the models of one seed start from the same kernel / v and see
                         the same batches. --seed S is one seed.
  --lr LIST              learning rates, e.g. 1e-3,1e-2 (default 1e-3)
  --epochs N             epochs to train (default 10)
  --batch-size N         samples per step (default 32)
  --optimizer NAME       adam | sgd (default adam: beta 0.9/0.999, epsilon 1e-7)
  --momentum X           SGD momentum (default 0)
  --train-samples N      use the first N training images (default 50000)
  --test-samples N       use the first N test images (default 10000)
  --threads T            threads per run (default: all cores)
  --wn-init MODE         tfa | paper | none: weight-norm initialisation (default tfa)
  --init-samples N       images weight norm's data init sees (default: one batch, as TFA;
                         the paper used 500)
  --json FILE            write the history as JSON (rewritten after every epoch)
  --diagnostics FILE     write per-layer diagnostics as JSON lines, at step 0 and at every
                         progress report (every 25 steps)
  --quiet                only the final summary
  --version              the version
  --help                 this text

Every combination of --model, --seeds and --lr is one run; all run in turn.

Exit codes: 0 success, 1 data, file or memory error, 2 bad options, 3 a run diverged.
)";
}

namespace {
Result<long> parse_int(const std::string& flag, const std::string& text, long lo, long hi) {
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE) return Error{flag + " expects an integer, got '" + text + "'"};
  if (v < lo || v > hi)
    return Error{flag + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + text};
  return v;
}

// A float the optimiser can use as given: finite and, unless zero, a normal float (1e39 would
// become inf and 1e-50 zero).
Result<float> parse_float(const std::string& flag, const std::string& text, bool allow_zero) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v)) return Error{flag + " expects a number, got '" + text + "'"};
  if (v < 0 || (!allow_zero && v == 0)) return Error{flag + " must be " + (allow_zero ? "≥ 0" : "> 0") + ", got " + text};
  const float f = float(v);
  if (v != 0 && !std::isnormal(f)) return Error{flag + " " + text + " is outside what a float holds (about 1e-38 to 3e38)"};
  return f;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (;;) {
    const std::size_t next = s.find(sep, at);
    out.push_back(s.substr(at, next - at));
    if (next == std::string::npos) return out;
    at = next + 1;
  }
}

template <class T>
Status no_repeats(const std::string& flag, const std::vector<T>& v) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (std::find(v.begin(), v.begin() + i, v[i]) != v.begin() + i) return Error{flag + " lists a value twice"};
  return {};
}

Result<std::vector<Preset>> parse_models(const std::string& text) {
  std::vector<Preset> out;
  for (const std::string& name : split(text, ',')) {
    if (name == "both") {
      out.insert(out.end(), {Preset::regular, Preset::weightnorm});
      continue;
    }
    auto p = preset_from_name(name);
    if (!p) return Error{"--model takes " + preset_names() + " or both, got '" + name + "'"};
    out.push_back(*p);
  }
  Status s = no_repeats("--model", out);
  if (!s) return Error{s.message()};
  return out;
}

// "1,2,3", "1-5" or both mixed: "1-3,7".
Result<std::vector<std::uint64_t>> parse_seeds(const std::string& flag, const std::string& text) {
  std::vector<std::uint64_t> out;
  for (const std::string& item : split(text, ',')) {
    const std::size_t dash = item.find('-', 1);
    auto lo = parse_int(flag, item.substr(0, dash), 0, limits::kMaxSeed);
    if (!lo) return Error{lo.message()};
    auto hi = dash == std::string::npos ? lo : parse_int(flag, item.substr(dash + 1), 0, limits::kMaxSeed);
    if (!hi) return Error{hi.message()};
    if (hi.value() < lo.value()) return Error{flag + " range " + item + " runs backwards"};
    if (hi.value() - lo.value() >= limits::kMaxSeeds || out.size() + std::size_t(hi.value() - lo.value()) >= limits::kMaxSeeds)
      return Error{flag + " lists more than " + std::to_string(limits::kMaxSeeds) + " seeds"};
    for (long s = lo.value(); s <= hi.value(); ++s) out.push_back(std::uint64_t(s));
  }
  Status s = no_repeats(flag, out);
  if (!s) return Error{s.message()};
  return out;
}

Result<std::vector<float>> parse_rates(const std::string& text) {
  std::vector<float> out;
  for (const std::string& item : split(text, ',')) {
    auto v = parse_float("--lr", item, false);
    if (!v) return Error{v.message()};
    if (v.value() < limits::kMinLearningRate || v.value() > limits::kMaxLearningRate)
      return Error{"--lr must be between " + json::number(limits::kMinLearningRate) + " and " +
                   json::number(limits::kMaxLearningRate) + ", got " + item};
    out.push_back(v.value());
  }
  if (out.size() > std::size_t(limits::kMaxLearningRates))
    return Error{"--lr lists more than " + std::to_string(limits::kMaxLearningRates) + " values"};
  Status s = no_repeats("--lr", out);
  if (!s) return Error{s.message()};
  return out;
}
}  // namespace

namespace {
using Setter = std::function<Status(const std::string&)>;
struct Flag {
  Setter set;
  bool run = true;  // a setting of one run, which the browser passes too; false: the CLI's own (data, files)
};

Result<CliOptions> parse(int argc, const char* const* argv, bool run_only) {
  CliOptions o;
  auto integer = [](int& out, const char* flag, long lo, long hi) -> Setter {
    return [&out, flag, lo, hi](const std::string& v) -> Status {
      auto r = parse_int(flag, v, lo, hi);
      if (!r) return r.status();
      out = int(r.value());
      return {};
    };
  };
  // Parses with f and stores the value in out.
  auto with = [](auto& out, auto f) -> Setter {
    return [&out, f](const std::string& v) -> Status {
      auto r = f(v);
      if (!r) return Error{r.message()};
      out = std::move(r.value());
      return {};
    };
  };
  std::optional<int> init_samples, threads;
  auto optional_int = [](std::optional<int>& out, const char* flag, long lo, long hi) -> Setter {
    return [&out, flag, lo, hi](const std::string& v) -> Status {
      auto r = parse_int(flag, v, lo, hi);
      if (!r) return r.status();
      out = int(r.value());
      return {};
    };
  };
  RunConfig& run = o.run;
  const std::map<std::string, Flag> flags = {
      {"--data", {[&](const std::string& v) -> Status { o.data = v; return {}; }, false}},
      {"--json", {[&](const std::string& v) -> Status { o.json = v; return {}; }, false}},
      {"--diagnostics", {[&](const std::string& v) -> Status { o.diagnostics = v; return {}; }, false}},
      {"--train-samples", {integer(o.train_samples, "--train-samples", 1, limits::kMaxTrain), false}},
      {"--test-samples", {integer(o.test_samples, "--test-samples", 1, limits::kMaxTest), false}},
      {"--model", {with(o.models, parse_models)}},
      {"--seeds", {with(o.seeds, [](const std::string& v) { return parse_seeds("--seeds", v); })}},
      {"--seed", {with(o.seeds, [](const std::string& v) { return parse_seeds("--seed", v); })}},
      {"--lr", {with(o.learning_rates, parse_rates)}},
      {"--optimizer", {[&](const std::string& v) -> Status {
         if (v == optimizer_name(OptimizerKind::adam)) run.optimizer = OptimizerKind::adam;
         else if (v == optimizer_name(OptimizerKind::sgd)) run.optimizer = OptimizerKind::sgd;
         else return Error{"--optimizer must be adam or sgd, got '" + v + "'"};
         return {};
       }}},
      {"--wn-init", {[&](const std::string& v) -> Status {
         auto init = wn_init_from_name(v);
         if (!init) return Error{"--wn-init must be tfa, paper or none, got '" + v + "'"};
         run.wn_init = *init;
         return {};
       }}},
      {"--epochs", {integer(run.epochs, "--epochs", 1, limits::kMaxEpochs)}},
      {"--batch-size", {integer(run.batch_size, "--batch-size", 1, limits::kMaxBatch)}},
      {"--threads", {optional_int(threads, "--threads", 1, limits::kMaxThreads)}},
      {"--init-samples", {optional_int(init_samples, "--init-samples", 1, limits::kMaxTrain)}},
      {"--progress-every", {integer(run.progress_every, "--progress-every", 1, 100000)}},
      {"--momentum", {with(run.momentum, [](const std::string& v) { return parse_float("--momentum", v, true); })}},
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i] ? argv[i] : "";
    const bool switch_flag = arg == "--help" || arg == "-h" || arg == "--quiet" || arg == "--version";
    if (switch_flag && !run_only) {
      (arg == "--quiet" ? o.quiet : arg == "--version" ? o.version : o.help) = true;
      continue;
    }
    std::string value;
    bool has_value = false;
    const auto eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    const auto it = flags.find(arg);
    if (it == flags.end() || (run_only && !it->second.run))
      return Error{"unknown option '" + arg + "'" + (run_only ? "" : " (see --help)")};
    if (!has_value) {
      if (i + 1 >= argc || !argv[i + 1]) return Error{arg + " needs a value"};
      value = argv[++i];
    }
    Status s = it->second.set(value);
    if (!s) return Error{s.message()};
  }
  run.init_samples = init_samples;
  run.diagnostics = !o.diagnostics.empty();
  o.threads = threads;
  if (run.momentum > 0 && run.optimizer != OptimizerKind::sgd) return Error{"--momentum applies to --optimizer sgd only"};
  return o;
}
}  // namespace

Result<CliOptions> parse_options(int argc, const char* const* argv) { return parse(argc, argv, false); }

Result<RunConfig> parse_run(const std::vector<std::string>& args) {
  std::vector<const char*> argv{"run"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  auto o = parse(int(argv.size()), argv.data(), true);
  if (!o) return Error{o.message()};
  const std::vector<RunConfig> grid = expand_grid(o.value(), o->threads.value_or(1));
  if (grid.size() != 1) return Error{"one run takes one model, one seed and one learning rate"};
  return grid[0];
}

std::vector<RunConfig> expand_grid(const CliOptions& o, int threads) {
  std::vector<RunConfig> runs;
  for (float lr : o.learning_rates)
    for (std::uint64_t seed : o.seeds)
      for (Preset model : o.models) {
        RunConfig c = o.run;
        c.model = model, c.seed = seed, c.learning_rate = lr, c.threads = threads;
        runs.push_back(c);
      }
  return runs;
}

}  // namespace wn
