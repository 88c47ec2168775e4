#include "options.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <unordered_set>

#include "../json.hpp"

namespace wn {

std::string usage() {
  return R"(wn-train: the TensorFlow Addons weight-normalisation tutorial on CIFAR-10.

Usage: wn-train [options]

  --data PATH            cifar-10-binary.tar.gz, a .tar, or a folder of the .bin files
                         (default data/cifar-10-binary.tar.gz; `npm run data` puts it there)
  --experiment NAME      start from an experiment preset (grid, data, epochs; see below);
                         other flags override it
  --model LIST           regular, weightnorm, both = regular,weightnorm (default both)
  --seeds LIST           seeds for weights and data order, e.g. 1,2,3 or 1-5 (default 0);
                         the models of one seed start from the same kernel / v and see
                         the same batches. --seed S is one seed.
  --lr LIST              learning rates, e.g. 1e-3,1e-2 (default 1e-3)
  --epochs N             epochs to train (default 10); 0 only evaluates
  --batch-size N         samples per step (default 32)
  --optimizer NAME       adam | sgd (default adam: beta 0.9/0.999, epsilon 1e-7)
  --momentum X           SGD momentum, 0 to below 1 (default 0)
  --train-samples N      use the first N training images (default 50000)
  --test-samples N       use the first N test images (default 10000)
  --threads T            threads per run (default: all cores)
  --wn-init LIST         tfa, paper, none: weight-norm initialisations, each a variant of
                         the weight-normalised models (default tfa)
  --init-samples N       images weight norm's data init sees (default: one batch, as TFA;
                         the paper used 500)
  --json FILE            write the history as JSON (rewritten after every epoch)
  --save-weights FILE    write each run's trained weights as a NumPy .npz (Keras' names and
                         layouts); {model}, {init}, {seed}, {optimizer}, {lr} in FILE are
                         filled in per run
  --load-weights FILE    start every run from the weights in this .npz
  --diagnostics FILE     write per-layer diagnostics as JSON lines, at step 0 and at every
                         progress report
  --progress-every N     steps between progress reports and diagnostics (default 25)
  --shard K/N            run only the K-th of N parts of the grid (K from 0); the
                         parts' --json files join with wn-merge (docs/cluster.md)
  --quiet                only the final summary
  --version              the version
  --help                 this text

Every combination of --model (with --wn-init), --seeds and --lr is one run; all run in turn.
Experiments: )" + experiment_names() + R"(.

Exit codes: 0 success, 1 data, file or memory error, 2 bad options, 3 a run diverged.
)";
}

namespace {
// Plain decimal notation only: strtol/strtod would also take leading blanks, a '+', hex ("0x1p-10")
// and "inf", which nobody means on a command line and which would read " 5" and "5 " differently.
bool decimal(const std::string& text, const char* allowed) {
  return !text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-' || text[0] == '.') &&
         text.find_first_not_of(allowed) == std::string::npos;
}

Result<long> parse_int(const std::string& flag, const std::string& text, long lo, long hi) {
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (!decimal(text, "-0123456789") || *end != '\0' || errno == ERANGE)
    return Error{flag + " expects an integer, got '" + text + "'"};
  if (v < lo || v > hi)
    return Error{flag + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + text};
  return v;
}

// A float the optimiser can use as given: finite and, unless zero, a normal float (1e39 would
// become inf and 1e-50 zero).
Result<float> parse_float(const std::string& flag, const std::string& text, bool allow_zero) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (!decimal(text, "-+.eE0123456789") || *end != '\0' || !std::isfinite(v))
    return Error{flag + " expects a number, got '" + text + "'"};
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

// SGD's momentum β in v ← βv − η∇: at β ≥ 1 old gradients never fade and the steps grow without bound.
Result<float> parse_momentum(const std::string& text) {
  auto m = parse_float("--momentum", text, true);
  if (m && m.value() >= 1) return Error{"--momentum must be below 1, got " + text};
  return m;
}

Result<std::string> parse_path(const std::string& flag, const std::string& text) {
  if (text.empty()) return Error{flag + " needs a file name"};
  return text;
}

Result<std::vector<ModelKind>> parse_models(const std::string& text) {
  std::vector<ModelKind> out;
  for (const std::string& name : split(text, ',')) {
    if (name == "both") {
      out.insert(out.end(), {ModelKind::regular, ModelKind::weightnorm});
      continue;
    }
    auto p = model_kind_from_name(name);
    if (!p) return Error{"--model takes " + model_kind_names() + " or both, got '" + name + "'"};
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

Result<std::vector<WnInit>> parse_inits(const std::string& text) {
  std::vector<WnInit> out;
  for (const std::string& name : split(text, ',')) {
    auto init = wn_init_from_name(name);
    if (!init) return Error{"--wn-init takes tfa, paper or none, got '" + name + "'"};
    out.push_back(*init);
  }
  Status s = no_repeats("--wn-init", out);
  if (!s) return Error{s.message()};
  return out;
}

Result<OptimizerKind> parse_optimizer(const std::string& v) {
  for (OptimizerKind k : {OptimizerKind::adam, OptimizerKind::sgd})
    if (v == optimizer_name(k)) return k;
  return Error{"--optimizer must be adam or sgd, got '" + v + "'"};
}

// The grid, data and epochs of an experiment preset: what --experiment starts from.
void apply_experiment(const Experiment& e, CliOptions& o) {
  o.experiment = e.name;
  o.models = e.models;
  o.wn_inits = e.wn_inits;
  o.seeds.clear();
  for (int s = 1; s <= e.seeds; ++s) o.seeds.push_back(std::uint64_t(s));
  o.sweeps = e.sweeps;
  o.run.epochs = e.epochs;
  o.run.batch_size = e.batch_size;
  o.train_samples = e.train_samples;
  o.test_samples = e.test_samples;
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
  auto path = [&](std::string& out, const char* flag) { return with(out, [flag](const std::string& v) { return parse_path(flag, v); }); };
  std::optional<int> init_samples, threads;
  auto optional_int = [](std::optional<int>& out, const char* flag, long lo, long hi) -> Setter {
    return [&out, flag, lo, hi](const std::string& v) -> Status {
      auto r = parse_int(flag, v, lo, hi);
      if (!r) return r.status();
      out = int(r.value());
      return {};
    };
  };
  // The optimiser flags replace the experiment's sweeps with one sweep (see below).
  std::optional<OptimizerKind> optimizer;
  std::optional<float> momentum;
  std::optional<std::vector<float>> rates;
  const Experiment* experiment = nullptr;
  RunConfig& run = o.run;
  const std::map<std::string, Flag> flags = {
      {"--data", {path(o.data, "--data"), false}},
      {"--json", {path(o.json, "--json"), false}},
      {"--diagnostics", {path(o.diagnostics, "--diagnostics"), false}},
      {"--save-weights", {path(o.save_weights, "--save-weights"), false}},
      {"--load-weights", {path(o.load_weights, "--load-weights"), false}},
      {"--train-samples", {integer(o.train_samples, "--train-samples", 1, limits::kMaxTrain), false}},
      {"--test-samples", {integer(o.test_samples, "--test-samples", 1, limits::kMaxTest), false}},
      {"--shard", {with(o.shard, parse_shard), false}},
      {"--experiment", {[&](const std::string&) -> Status { return {}; }, false}},  // applied first, below
      {"--model", {with(o.models, parse_models)}},
      {"--wn-init", {with(o.wn_inits, parse_inits)}},
      {"--seeds", {with(o.seeds, [](const std::string& v) { return parse_seeds("--seeds", v); })}},
      {"--seed", {with(o.seeds, [](const std::string& v) { return parse_seeds("--seed", v); })}},
      {"--lr", {with(rates, parse_rates)}},
      {"--optimizer", {with(optimizer, parse_optimizer)}},
      {"--momentum", {with(momentum, parse_momentum)}},
      {"--epochs", {integer(run.epochs, "--epochs", 0, limits::kMaxEpochs)}},
      {"--batch-size", {integer(run.batch_size, "--batch-size", 1, limits::kMaxBatch)}},
      {"--threads", {optional_int(threads, "--threads", 1, limits::kMaxThreads)}},
      {"--init-samples", {optional_int(init_samples, "--init-samples", 1, limits::kMaxTrain)}},
      {"--progress-every", {integer(run.progress_every, "--progress-every", 1, 100000)}},
  };
  // Splits argv into (flag, value) pairs, or says what is wrong.
  std::vector<std::pair<std::string, std::string>> given;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i] ? argv[i] : "";
    const std::string name = arg.substr(0, arg.find('='));
    const bool switch_flag = name == "--help" || name == "-h" || name == "--quiet" || name == "--version";
    if (switch_flag && !run_only) {
      if (name != arg) return Error{name + " takes no value"};
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
    if (arg == "--experiment") {
      experiment = find_experiment(value);
      if (!experiment) return Error{"--experiment must be one of " + experiment_names() + ", got '" + value + "'"};
    }
    given.emplace_back(arg, value);
  }
  // An experiment (the last one given) sets the grid, data and epochs first; every other flag then overrides it.
  if (experiment) apply_experiment(*experiment, o);
  for (const auto& [flag, value] : given) {
    Status s = flags.at(flag).set(value);
    if (!s) return Error{s.message()};
  }
  if (optimizer || momentum || rates) {
    const Sweep& base = o.sweeps.front();
    Sweep sweep;
    sweep.optimizer = optimizer.value_or(base.optimizer);
    const bool same = sweep.optimizer == base.optimizer;
    sweep.momentum = momentum.value_or(same ? base.momentum : 0.0f);
    sweep.learning_rates = rates.value_or(same ? base.learning_rates : Sweep{}.learning_rates);
    o.sweeps = {sweep};
  }
  for (const Sweep& sweep : o.sweeps)
    if (sweep.momentum > 0 && sweep.optimizer != OptimizerKind::sgd) return Error{"--momentum applies to --optimizer sgd only"};
  run.init_samples = init_samples;
  run.diagnostics = !o.diagnostics.empty();
  o.threads = threads;
  if (!o.save_weights.empty()) {  // one file per run: the placeholders must tell the runs apart
    std::unordered_set<std::string> paths;
    for (const RunConfig& c : expand_grid(o, 1))
      if (!paths.insert(weights_path(o.save_weights, c)).second)
        return Error{"--save-weights " + o.save_weights + " names the same file for several runs; use {model}, {init}, {seed}, {optimizer} or {lr}"};
  }
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
  if (grid.size() != 1) return Error{"one run takes one model, one weight-norm init, one seed and one learning rate"};
  return grid[0];
}

std::string weights_path(const std::string& pattern, const RunConfig& c) {
  const std::pair<const char*, std::string> fields[] = {
      {"{model}", model_kind_name(c.model)}, {"{init}", wn_init_name(c.wn_init)}, {"{seed}", std::to_string(c.seed)},
      {"{optimizer}", optimizer_name(c.optimizer)}, {"{lr}", json::number(c.learning_rate)}};
  std::string out = pattern;
  for (const auto& [key, value] : fields)
    for (std::size_t at; (at = out.find(key)) != std::string::npos;) out.replace(at, std::string(key).size(), value);
  return out;
}

std::vector<RunConfig> expand_grid(const CliOptions& o, int threads) {
  std::vector<RunConfig> runs;
  for (const Sweep& sweep : o.sweeps)
    for (float lr : sweep.learning_rates)
      for (std::uint64_t seed : o.seeds)
        for (ModelKind model : o.models)
          for (WnInit init : o.wn_inits) {
            RunConfig c = o.run;
            c.model = model, c.wn_init = init, c.seed = seed, c.threads = threads;
            c.optimizer = sweep.optimizer, c.momentum = sweep.momentum, c.learning_rate = lr;
            runs.push_back(c);
            if (!uses_weight_norm(model)) break;  // the plain net is one variant, whatever the inits
          }
  return runs;
}

}  // namespace wn
