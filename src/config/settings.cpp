#include "settings.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <unordered_set>

#include "../architecture.hpp"
#include "../json.hpp"

namespace wn::settings {

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

// Stores a parsed value, or passes its error on.
template <class Out, class In>
Status store(Out& out, Result<In> r) {
  if (!r) return Error{r.message()};
  out = Out(std::move(r.value()));
  return {};
}

Result<long> integer(const Setting& s, const std::string& name, const std::string& text) {
  return parse_int(name, text, long(s.lo), long(s.hi));
}

// A number within the setting's bounds. SGD's momentum β in v ← βv − η∇: at β ≥ 1 old gradients
// never fade and the steps grow without bound (below_hi).
Result<float> number(const Setting& s, const std::string& name, const std::string& text) {
  auto v = parse_float(name, text, s.lo <= 0);
  if (!v) return v;
  // The bounds hold for the number as written: 1e-9 is the least learning rate, though the float
  // nearest to it is a little less.
  const double exact = std::strtod(text.c_str(), nullptr);
  if (s.below_hi && exact >= s.hi) return Error{name + " must be below " + json::number(s.hi) + ", got " + text};
  if (!s.below_hi && (exact < s.lo || exact > s.hi))
    return Error{name + " must be between " + json::number(s.lo) + " and " + json::number(s.hi) + ", got " + text};
  return v;
}

Result<std::string> path(const std::string& name, const std::string& text) {
  if (text.empty()) return Error{name + " needs a file name"};
  return text;
}

Result<std::vector<ModelKind>> parse_models(const std::string& name, const std::string& text) {
  std::vector<ModelKind> out;
  for (const std::string& item : split(text, ',')) {
    if (item == "both") {
      out.insert(out.end(), {ModelKind::regular, ModelKind::weightnorm});
      continue;
    }
    auto p = model_kind_from_name(item);
    if (!p) return Error{name + " takes " + model_kind_names() + " or both, got '" + item + "'"};
    out.push_back(*p);
  }
  Status s = no_repeats(name, out);
  if (!s) return Error{s.message()};
  return out;
}

// "1,2,3", "1-5" or both mixed: "1-3,7".
Result<std::vector<std::uint64_t>> parse_seeds(const Setting& setting, const std::string& flag, const std::string& text) {
  std::vector<std::uint64_t> out;
  const long lo_seed = long(setting.lo), hi_seed = long(setting.hi);
  const std::size_t most = std::size_t(setting.most);
  for (const std::string& item : split(text, ',')) {
    const std::size_t dash = item.find('-', 1);
    auto lo = parse_int(flag, item.substr(0, dash), lo_seed, hi_seed);
    if (!lo) return Error{lo.message()};
    auto hi = dash == std::string::npos ? lo : parse_int(flag, item.substr(dash + 1), lo_seed, hi_seed);
    if (!hi) return Error{hi.message()};
    if (hi.value() < lo.value()) return Error{flag + " range " + item + " runs backwards"};
    if (std::size_t(hi.value() - lo.value()) >= most || out.size() + std::size_t(hi.value() - lo.value()) >= most)
      return Error{flag + " lists more than " + std::to_string(most) + " seeds"};
    for (long s = lo.value(); s <= hi.value(); ++s) out.push_back(std::uint64_t(s));
  }
  Status s = no_repeats(flag, out);
  if (!s) return Error{s.message()};
  return out;
}

Result<std::vector<WnInit>> parse_inits(const std::string& name, const std::string& text) {
  std::vector<WnInit> out;
  for (const std::string& item : split(text, ',')) {
    auto init = wn_init_from_name(item);
    if (!init) return Error{name + " takes tfa, paper or none, got '" + item + "'"};
    out.push_back(*init);
  }
  Status s = no_repeats(name, out);
  if (!s) return Error{s.message()};
  return out;
}

constexpr OptimizerKind kOptimizers[] = {OptimizerKind::adam, OptimizerKind::sgd};

Result<OptimizerKind> parse_optimizer(const std::string& name, const std::string& v) {
  for (OptimizerKind k : kOptimizers)
    if (v == optimizer_name(k)) return k;
  return Error{name + " must be adam or sgd, got '" + v + "'"};
}

Result<std::vector<float>> parse_rates(const Setting& s, const std::string& name, const std::string& text) {
  std::vector<float> out;
  for (const std::string& item : split(text, ',')) {
    auto v = number(s, name, item);
    if (!v) return Error{v.message()};
    out.push_back(v.value());
  }
  if (out.size() > std::size_t(s.most)) return Error{name + " lists more than " + std::to_string(s.most) + " values"};
  Status st = no_repeats(name, out);
  if (!st) return Error{st.message()};
  return out;
}

// "2,4,8,32": batch sizes within the setting's bounds, at most `most`, no repeats.
Result<std::vector<int>> parse_batches(const Setting& s, const std::string& name, const std::string& text) {
  std::vector<int> out;
  for (const std::string& item : split(text, ',')) {
    auto v = integer(s, name, item);
    if (!v) return Error{v.message()};
    out.push_back(int(v.value()));
  }
  if (out.size() > std::size_t(s.most)) return Error{name + " lists more than " + std::to_string(s.most) + " values"};
  Status st = no_repeats(name, out);
  if (!st) return Error{st.message()};
  return out;
}

// The grid, data and epochs of an experiment preset: what --experiment starts from.
void apply_experiment(const Experiment& e, GridSpec& o) {
  o.experiment = e.name;
  o.models = e.models;
  o.wn_inits = e.wn_inits;
  o.seeds.clear();
  for (int s = 1; s <= e.seeds; ++s) o.seeds.push_back(std::uint64_t(s));
  o.sweeps = e.sweeps;
  o.run.epochs = e.epochs;
  o.batch_sizes = e.batch_sizes;
  o.run.init_samples = e.init_samples;
  o.run.arch = e.arch;
  o.run.width = e.width;
  o.train_samples = e.train_samples;
  o.test_samples = e.test_samples;
}

std::vector<std::string> model_choices() {
  std::vector<std::string> out;
  for (ModelKind k : kModelKinds) out.push_back(model_kind_name(k));
  return out;
}
std::vector<std::string> init_choices() {
  std::vector<std::string> out;
  for (WnInit i : kWnInits) out.push_back(wn_init_name(i));
  return out;
}
std::vector<std::string> optimizer_choices() {
  std::vector<std::string> out;
  for (OptimizerKind k : kOptimizers) out.push_back(optimizer_name(k));
  return out;
}
std::vector<std::string> experiment_choices() {
  std::vector<std::string> out;
  for (const Experiment& e : experiments()) out.push_back(e.name);
  return out;
}

// A table entry, written as a chain: Def("epochs", faces, Type::integer, "10", "…").flag("--epochs", "N")….
struct Def {
  Setting s;
  Def(const char* key, unsigned faces, Type type, const char* fallback, const char* help) {
    s.key = key, s.faces = faces, s.type = type, s.fallback = fallback, s.help = help;
  }
  Def& flag(const char* name, const char* arg = nullptr, const char* alias = nullptr) {
    s.flag = name, s.arg = arg, s.alias = alias;
    return *this;
  }
  Def& param(const char* name, const char* field = nullptr, bool list = false) {
    s.param = name, s.field = field, s.param_list = list;
    return *this;
  }
  Def& bounds(double lo, double hi, bool below_hi = false) {
    s.lo = lo, s.hi = hi, s.below_hi = below_hi;
    return *this;
  }
  Def& list(int most = 0) {
    s.list = true, s.most = most;
    return *this;
  }
  Def& param_lo(double lo) {
    s.param_lo = lo;
    return *this;
  }
  Def& choices(std::vector<std::string> (*f)()) {
    s.choices = f;
    return *this;
  }
  Def& first() {
    s.applies_first = true;
    return *this;
  }
  Def& apply(Status (*f)(Draft&, const Setting&, const std::string&, const std::string&)) {
    s.apply = f;
    return *this;
  }
  operator Setting() const { return s; }
};

using T = Type;
constexpr unsigned kPage = kParam | kForm;
constexpr unsigned kEvery = kFlag | kParam | kForm | kRunJson;

// The table. Its order is the order of --help and of the page's parameters (the embed lists them).
std::vector<Setting> make_table() {
  return {
      Def("experiment", kFlag | kPage, T::choice, nullptr,
          "start from an experiment preset (grid, data, epochs); other flags override it")
          .flag("--experiment", "NAME").param("experiment", "experiment").choices(experiment_choices).first()
          .apply([](Draft& d, const Setting&, const std::string& name, const std::string& text) -> Status {
            d.experiment = find_experiment(text);
            if (!d.experiment) return Error{name + " must be one of " + experiment_names() + ", got '" + text + "'"};
            return {};
          }),
      Def("model", kEvery, T::choice, "both", "models to train, one or more; both = regular,weightnorm")
          .flag("--model", "LIST").param("models", "models-box", true).list().choices(model_choices)
          .apply([](Draft& d, const Setting&, const std::string& name, const std::string& text) {
            return store(d.spec.models, parse_models(name, text));
          }),
      Def("wn_init", kEvery, T::choice, "tfa",
          "weight-norm initialisations, each a variant of the weight-normalised models")
          .flag("--wn-init", "LIST").param("wninit", "wninit-box", true).list().choices(init_choices)
          .apply([](Draft& d, const Setting&, const std::string& name, const std::string& text) {
            return store(d.spec.wn_inits, parse_inits(name, text));
          }),
      Def("arch", kEvery, T::text, "lenet",
          "the net: lenet (the tutorial's), convpool-c (the paper's CIFAR-10 net), or a spec such as "
          "c32k3s-p2-c64k3s-p2-gap-d10 (docs/architectures.md)")
          .flag("--arch", "SPEC").param("arch", "arch")
          .apply([](Draft& d, const Setting&, const std::string& name, const std::string& text) -> Status {
            if (auto a = parse_architecture(text); !a) return Error{name + ": " + a.message()};
            d.spec.run.arch = text;
            return {};
          }),
      Def("width", kEvery, T::number, "1", "multiplies every hidden layer's filters and units (convpool-c at 0.25: C1 = 24, C2 = 48)")
          .flag("--width", "W").param("width", "width").bounds(limits::kMinWidth, limits::kMaxWidth)
          .apply([](Draft& d, const Setting& s, const std::string& name, const std::string& text) {
            return store(d.spec.run.width, number(s, name, text));
          }),
      Def("epochs", kEvery, T::integer, "10", "epochs to train; 0 only evaluates, the page trains at least 1")
          .flag("--epochs", "N").param("epochs", "epochs").bounds(0, limits::kMaxEpochs).param_lo(1)
          .apply([](Draft& d, const Setting& s, const std::string& name, const std::string& text) {
            return store(d.spec.run.epochs, integer(s, name, text));
          }),
      Def("batch_size", kEvery, T::integer, "32", "samples per step; a list such as 2,4,8,32 runs each (a grid dimension)")
          .flag("--batch-size", "LIST").param("batch", "batch-size", true).bounds(1, limits::kMaxBatch)
          .list(limits::kMaxBatchSizes)
          .apply([](Draft& d, const Setting& s, const std::string& name, const std::string& text) {
            return store(d.spec.batch_sizes, parse_batches(s, name, text));
          }),
      Def("train_samples", kFlag | kPage, T::integer, "50000", "use the first N training images")
          .flag("--train-samples", "N").param("train", "train-samples").bounds(1, limits::kMaxTrain)
          .apply([](Draft& d, const Setting& s, const std::string& name, const std::string& text) {
            return store(d.spec.train_samples, integer(s, name, text));
          }),
      Def("test_samples", kFlag | kPage, T::integer, "10000", "use the first N test images")
          .flag("--test-samples", "N").param("test", "test-samples").bounds(1, limits::kMaxTest)
          .apply([](Draft& d, const Setting& s, const std::string& name, const std::string& text) {
            return store(d.spec.test_samples, integer(s, name, text));
          }),
      Def("seed", kEvery, T::integer, "0",
          "seeds for weights and data order, e.g. 1,2,3 or 1-5; the models of one seed start from the same "
          "kernel / v and see the same batches. --seed S is one seed. On the page: the first seed")
          .flag("--seeds", "LIST", "--seed").param("seed", "seed").bounds(0, double(limits::kMaxSeed)).list(limits::kMaxSeeds)
          .apply([](Draft& d, const Setting& s, const std::string& name, const std::string& text) {
            return store(d.spec.seeds, parse_seeds(s, name, text));
          }),
      Def("seeds", kPage, T::integer, "1", "how many seeds the page runs, from the first on")
          .param("seeds", "seeds").bounds(1, limits::kMaxSeeds),
      Def("init_samples", kEvery, T::integer, nullptr,
          "images weight norm's data init sees (default: one batch, as TFA; the paper used 500)")
          .flag("--init-samples", "N").param("initsamples", "init-samples").bounds(1, limits::kMaxTrain)
          .apply([](Draft& d, const Setting& s, const std::string& name, const std::string& text) {
            return store(d.spec.run.init_samples, integer(s, name, text));
          }),
      Def("learning_rate", kEvery, T::number, "1e-3", "learning rates, e.g. 1e-3,1e-2")
          .flag("--lr", "LIST").param("lr", nullptr, true)
          .bounds(limits::kMinLearningRate, limits::kMaxLearningRate).list(limits::kMaxLearningRates)
          .apply([](Draft& d, const Setting& s, const std::string& name, const std::string& text) {
            return store(d.rates, parse_rates(s, name, text));
          }),
      Def("momentum", kEvery, T::number, "0", "SGD momentum, 0 to below 1")
          .flag("--momentum", "X").param("momentum").bounds(0, 1, true)
          .apply([](Draft& d, const Setting& s, const std::string& name, const std::string& text) {
            return store(d.momentum, number(s, name, text));
          }),
      Def("optimizer", kEvery, T::choice, "adam", "the optimiser; adam with beta 0.9/0.999, epsilon 1e-7")
          .flag("--optimizer", "NAME").param("optimizer").choices(optimizer_choices)
          .apply([](Draft& d, const Setting&, const std::string& name, const std::string& text) {
            return store(d.optimizer, parse_optimizer(name, text));
          }),
      Def("sweeps", kPage, T::sweeps, nullptr,
          "several optimisers, each with its learning rates: adam:3e-4,1e-3;sgd@0.9:0.01,0.1")
          .param("sweeps", "sweeps"),
      Def("threads", kEvery, T::integer, nullptr, "threads per run (default: all cores)")
          .flag("--threads", "T").param("threads").bounds(1, limits::kMaxThreads)
          .apply([](Draft& d, const Setting& s, const std::string& name, const std::string& text) {
            return store(d.spec.threads, integer(s, name, text));
          }),
      Def("build", kParam, T::choice, "auto",
          "the page's WebAssembly build: auto (threaded where the page is cross-origin isolated) or st")
          .param("build").choices([] { return std::vector<std::string>{"auto", "st"}; }),
      Def("autostart", kParam, T::choice, "0", "the embed starts training once loaded (1)")
          .param("autostart").choices([] { return std::vector<std::string>{"0", "1"}; }),
      Def("progress_every", kFlag | kRunJson, T::integer, "25", "steps between progress reports and diagnostics")
          .flag("--progress-every", "N").bounds(1, 100000)
          .apply([](Draft& d, const Setting& s, const std::string& name, const std::string& text) {
            return store(d.spec.run.progress_every, integer(s, name, text));
          }),
      Def("data", kFlag, T::text, "data/cifar-10-binary.tar.gz",
          "cifar-10-binary.tar.gz, a .tar, or a folder of the .bin files (`npm run data` puts it there)")
          .flag("--data", "PATH")
          .apply([](Draft& d, const Setting&, const std::string& name, const std::string& text) {
            return store(d.spec.data, path(name, text));
          }),
      Def("json", kFlag, T::text, nullptr, "write the history as JSON (rewritten after every epoch)")
          .flag("--json", "FILE")
          .apply([](Draft& d, const Setting&, const std::string& name, const std::string& text) {
            return store(d.spec.json, path(name, text));
          }),
      Def("save_weights", kFlag, T::text, nullptr,
          "write each run's trained weights as a NumPy .npz (Keras' names and layouts); {model}, {init}, "
          "{seed}, {optimizer}, {lr}, {batch} in FILE are filled in per run")
          .flag("--save-weights", "FILE")
          .apply([](Draft& d, const Setting&, const std::string& name, const std::string& text) {
            return store(d.spec.save_weights, path(name, text));
          }),
      Def("load_weights", kFlag, T::text, nullptr, "start every run from the weights in this .npz")
          .flag("--load-weights", "FILE")
          .apply([](Draft& d, const Setting&, const std::string& name, const std::string& text) {
            return store(d.spec.load_weights, path(name, text));
          }),
      Def("diagnostics", kFlag, T::text, nullptr,
          "write per-layer diagnostics as JSON lines, at step 0 and at every progress report")
          .flag("--diagnostics", "FILE")
          .apply([](Draft& d, const Setting&, const std::string& name, const std::string& text) {
            return store(d.spec.diagnostics, path(name, text));
          }),
      Def("shard", kFlag, T::text, nullptr,
          "run only the K-th of N parts of the grid (K from 0); the parts' --json files join with wn-merge "
          "(docs/cluster.md)")
          .flag("--shard", "K/N")
          .apply([](Draft& d, const Setting&, const std::string&, const std::string& text) {
            return store(d.spec.shard, parse_shard(text));
          }),
      Def("quiet", kFlag, T::toggle, nullptr, "only the final summary")
          .flag("--quiet").apply([](Draft& d, const Setting&, const std::string&, const std::string&) -> Status {
            d.spec.quiet = true;
            return {};
          }),
      Def("catalog", kFlag, T::toggle, nullptr, "print the settings, limits and experiments as the page's JSON catalog")
          .flag("--catalog").apply([](Draft& d, const Setting&, const std::string&, const std::string&) -> Status {
            d.spec.catalog = true;
            return {};
          }),
      Def("version", kFlag, T::toggle, nullptr, "the version")
          .flag("--version").apply([](Draft& d, const Setting&, const std::string&, const std::string&) -> Status {
            d.spec.version = true;
            return {};
          }),
      Def("help", kFlag, T::toggle, nullptr, "this text")
          .flag("--help", nullptr, "-h").apply([](Draft& d, const Setting&, const std::string&, const std::string&) -> Status {
            d.spec.help = true;
            return {};
          }),
  };
}

const Setting* find_flag(const std::string& name) {
  for (const Setting& s : table())
    if (s.flag && (name == s.flag || (s.alias && name == s.alias))) return &s;
  return nullptr;
}

// What every way in ends with: the optimiser settings become one sweep, then the checks across settings.
Result<GridSpec> finish(Draft& d) {
  GridSpec& o = d.spec;
  if (d.optimizer || d.momentum || d.rates) {
    const Sweep& base = o.sweeps.front();
    Sweep sweep;
    sweep.optimizer = d.optimizer.value_or(base.optimizer);
    const bool same = sweep.optimizer == base.optimizer;
    sweep.momentum = d.momentum.value_or(same ? base.momentum : 0.0f);
    sweep.learning_rates = d.rates.value_or(same ? base.learning_rates : Sweep{}.learning_rates);
    o.sweeps = {sweep};
  }
  for (const Sweep& sweep : o.sweeps)
    if (sweep.momentum > 0 && sweep.optimizer != OptimizerKind::sgd) return Error{"--momentum applies to --optimizer sgd only"};
  o.run.diagnostics = !o.diagnostics.empty();
  for (ModelKind kind : o.models) {  // the net at this width, for each kind: within the bounds (limits.hpp)?
    RunConfig c = o.run;
    c.model = kind;
    if (auto m = run_model_spec(c, WnInit::none); !m) return Error{m.message()};
  }
  if (!o.save_weights.empty()) {  // one file per run: the placeholders must tell the runs apart
    std::unordered_set<std::string> paths;
    for (const RunConfig& c : expand_grid(o, 1))
      if (!paths.insert(weights_path(o.save_weights, c)).second)
        return Error{"--save-weights " + o.save_weights + " names the same file for several runs; use {model}, {init}, {seed}, {optimizer}, {lr} or {batch}"};
  }
  return o;
}

// ---- The run JSON: one flat object whose values are numbers or strings.

void skip_space(const std::string& t, std::size_t& at) {
  while (at < t.size() && (t[at] == ' ' || t[at] == '\t' || t[at] == '\n' || t[at] == '\r')) ++at;
}

void append_utf8(std::string& out, unsigned c) {
  if (c < 0x80) {
    out += char(c);
  } else if (c < 0x800) {
    out += char(0xC0 | (c >> 6)), out += char(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += char(0xE0 | (c >> 12)), out += char(0x80 | ((c >> 6) & 0x3F)), out += char(0x80 | (c & 0x3F));
  } else {
    out += char(0xF0 | (c >> 18)), out += char(0x80 | ((c >> 12) & 0x3F)), out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  }
}

Result<unsigned> hex4(const std::string& t, std::size_t at) {
  if (at + 4 > t.size()) return Error{"the run configuration ends inside a \\u escape"};
  unsigned v = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    const char c = t[i];
    const int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                      : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                      : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                                  : -1;
    if (digit < 0) return Error{"the run configuration has a bad \\u escape"};
    v = v * 16 + unsigned(digit);
  }
  return v;
}

// A JSON string starting at t[at] == '"'; at ends after its closing quote.
Result<std::string> read_string(const std::string& t, std::size_t& at) {
  std::string out;
  for (++at; at < t.size(); ++at) {
    const char c = t[at];
    if (c == '"') {
      ++at;
      return out;
    }
    if (static_cast<unsigned char>(c) < 0x20) return Error{"the run configuration has a control character in a string"};
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++at >= t.size()) break;
    const char e = t[at];
    static const std::string from = "\"\\/bfnrt", to = "\"\\/\b\f\n\r\t";
    const std::size_t k = from.find(e);
    if (k != std::string::npos) {
      out += to[k];
    } else if (e == 'u') {
      auto c1 = hex4(t, at + 1);
      if (!c1) return Error{c1.message()};
      at += 4;
      unsigned code = c1.value();
      // A surrogate pair is one character; a lone surrogate is none: U+FFFD, as the writer does.
      if (code >= 0xD800 && code < 0xDC00 && at + 2 < t.size() && t[at + 1] == '\\' && t[at + 2] == 'u') {
        auto c2 = hex4(t, at + 3);
        if (!c2) return Error{c2.message()};
        if (c2.value() >= 0xDC00 && c2.value() < 0xE000) {
          code = 0x10000 + ((code - 0xD800) << 10) + (c2.value() - 0xDC00);
          at += 6;
        }
      }
      if (code >= 0xD800 && code < 0xE000) code = 0xFFFD;
      append_utf8(out, code);
    } else {
      return Error{"the run configuration has a bad escape in a string"};
    }
  }
  return Error{"the run configuration ends inside a string"};
}

// A JSON number's text as written ("1e-3"): the setting parses it like a flag's value.
Result<std::string> read_number(const std::string& t, std::size_t& at) {
  const std::size_t start = at;
  const auto digits = [&] {
    const std::size_t from = at;
    while (at < t.size() && std::isdigit(static_cast<unsigned char>(t[at]))) ++at;
    return at > from;
  };
  if (at < t.size() && t[at] == '-') ++at;
  bool ok = digits();
  if (ok && at < t.size() && t[at] == '.') ++at, ok = digits();
  if (ok && at < t.size() && (t[at] == 'e' || t[at] == 'E')) {
    ++at;
    if (at < t.size() && (t[at] == '+' || t[at] == '-')) ++at;
    ok = digits();
  }
  if (!ok) return Error{"the run configuration has a malformed number"};
  return t.substr(start, at - start);
}

Result<std::vector<std::pair<std::string, std::string>>> read_object(const std::string& t) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t at = 0;
  skip_space(t, at);
  if (at >= t.size() || t[at] != '{') return Error{"the run configuration must be a JSON object"};
  ++at;
  skip_space(t, at);
  if (at < t.size() && t[at] == '}') {
    ++at;
  } else {
    for (;;) {
      skip_space(t, at);
      if (at >= t.size() || t[at] != '"') return Error{"the run configuration's keys must be strings"};
      auto key = read_string(t, at);
      if (!key) return Error{key.message()};
      skip_space(t, at);
      if (at >= t.size() || t[at] != ':') return Error{"the run configuration lacks a ':' after \"" + key.value() + "\""};
      ++at;
      skip_space(t, at);
      if (at >= t.size()) return Error{"the run configuration ends after \"" + key.value() + "\""};
      Result<std::string> value = t[at] == '"' ? read_string(t, at)
                                  : (t[at] == '-' || std::isdigit(static_cast<unsigned char>(t[at])))
                                      ? read_number(t, at)
                                      : Result<std::string>(Error{key.value() + " takes a number or a string"});
      if (!value) return Error{value.message()};
      for (const auto& [k, v] : out)
        if (k == key.value()) return Error{"the run configuration gives " + k + " twice"};
      out.emplace_back(key.value(), value.value());
      skip_space(t, at);
      if (at < t.size() && t[at] == ',') {
        ++at;
        continue;
      }
      if (at < t.size() && t[at] == '}') {
        ++at;
        break;
      }
      return Error{"the run configuration lacks a ',' or '}' after \"" + key.value() + "\""};
    }
  }
  skip_space(t, at);
  if (at != t.size()) return Error{"the run configuration has text after its object"};
  return out;
}

}  // namespace

const std::vector<Setting>& table() {
  static const std::vector<Setting> t = make_table();
  return t;
}

const Setting* find_key(const std::string& key) {
  for (const Setting& s : table())
    if (key == s.key) return &s;
  return nullptr;
}

Result<GridSpec> parse_args(int argc, const char* const* argv) {
  Draft d;
  // Splits argv into (setting, name, value), or says what is wrong.
  struct Given {
    const Setting* setting;
    std::string name, value;
  };
  std::vector<Given> given;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i] ? argv[i] : "";
    const std::size_t eq = arg.rfind("--", 0) == 0 ? arg.find('=') : std::string::npos;
    const std::string name = arg.substr(0, eq);
    const Setting* s = find_flag(name);
    if (!s) return Error{"unknown option '" + name + "' (see --help)"};
    if (s->type == Type::toggle) {
      if (eq != std::string::npos) return Error{name + " takes no value"};
      given.push_back({s, name, ""});
      continue;
    }
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else {
      if (i + 1 >= argc || !argv[i + 1]) return Error{name + " needs a value"};
      value = argv[++i];
    }
    // An experiment (the last one given) sets the grid, data and epochs first; every other flag
    // then overrides it.
    if (s->applies_first) {
      Status st = s->apply(d, *s, name, value);
      if (!st) return Error{st.message()};
    }
    given.push_back({s, name, value});
  }
  if (d.experiment) apply_experiment(*d.experiment, d.spec);
  for (const Given& g : given) {
    if (g.setting->applies_first) continue;
    Status st = g.setting->apply(d, *g.setting, g.name, g.value);
    if (!st) return Error{st.message()};
  }
  return finish(d);
}

Status check_setting(const std::string& key, const std::string& text) {
  const Setting* s = find_key(key);
  if (!s || !s->apply) return Error{"unknown setting '" + key + "'"};
  Draft d;
  return s->apply(d, *s, key, text);
}

Result<RunConfig> parse_run_json(const std::string& text) {
  auto object = read_object(text);
  if (!object) return Error{object.message()};
  Draft d;
  for (const auto& [key, value] : object.value()) {
    const Setting* s = find_key(key);
    if (!s || !(s->faces & kRunJson)) return Error{"unknown setting '" + key + "'"};
    Status st = s->apply(d, *s, key, value);
    if (!st) return Error{st.message()};
  }
  auto spec = finish(d);
  if (!spec) return Error{spec.message()};
  const std::vector<RunConfig> grid = expand_grid(spec.value(), spec->threads.value_or(1));
  if (grid.size() != 1) return Error{"one run takes one model, one weight-norm init, one seed, one learning rate and one batch size"};
  return grid[0];
}

std::string weights_path(const std::string& pattern, const RunConfig& c) {
  const std::pair<const char*, std::string> fields[] = {
      {"{model}", model_kind_name(c.model)}, {"{init}", wn_init_name(c.wn_init)}, {"{seed}", std::to_string(c.seed)},
      {"{optimizer}", optimizer_name(c.optimizer)}, {"{lr}", json::number(c.learning_rate)},
      {"{batch}", std::to_string(c.batch_size)}};
  std::string out = pattern;
  for (const auto& [key, value] : fields)
    for (std::size_t at; (at = out.find(key)) != std::string::npos;) out.replace(at, std::string(key).size(), value);
  return out;
}

std::vector<RunConfig> expand_grid(const GridSpec& o, int threads) {
  std::vector<RunConfig> runs;
  for (int batch : o.batch_sizes)
    for (const Sweep& sweep : o.sweeps)
      for (float lr : sweep.learning_rates)
        for (std::uint64_t seed : o.seeds)
          for (ModelKind model : o.models)
            for (WnInit init : o.wn_inits) {
              RunConfig c = o.run;
              c.model = model, c.wn_init = init, c.seed = seed, c.threads = threads, c.batch_size = batch;
              c.optimizer = sweep.optimizer, c.momentum = sweep.momentum, c.learning_rate = lr;
              runs.push_back(c);
              if (!uses_weight_norm(model)) break;  // the plain net is one variant, whatever the inits
            }
  return runs;
}

namespace {
// The help text of one setting, its choices and default added, wrapped to the terminal's 80
// columns after the flag column.
std::string describe(const Setting& s) {
  std::string text = s.help;
  if (s.choices) {
    std::string names;
    for (const std::string& c : s.choices()) names += (names.empty() ? "" : ", ") + c;
    text += " (" + std::string(s.list ? "of " : "one of ") + names + ")";
  }
  if (s.fallback) text += std::string(" (default ") + s.fallback + ")";
  return text;
}

std::string wrap(const std::string& text, std::size_t indent, std::size_t width) {
  std::string out, line;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find(' ', at);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(at, end - at);
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      out += line + "\n" + std::string(indent, ' ');
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    at = end + 1;
  }
  return out + line;
}
}  // namespace

std::string usage() {
  constexpr std::size_t kColumn = 25;
  std::string out = "wn-train: the TensorFlow Addons weight-normalisation tutorial on CIFAR-10.\n\nUsage: wn-train [options]\n\n";
  for (const Setting& s : table()) {
    if (!(s.faces & kFlag)) continue;
    std::string head = std::string("  ") + s.flag + (s.arg ? std::string(" ") + s.arg : "");
    head += head.size() + 1 < kColumn ? std::string(kColumn - head.size(), ' ') : "\n" + std::string(kColumn, ' ');
    out += head + wrap(describe(s), kColumn, 100) + "\n";
  }
  return out + "\nEvery combination of --model (with --wn-init), --seeds, --lr and --batch-size is one run; all run in turn.\n\nExit codes: 0 success, 1 data, file or memory error, 2 bad options, 3 a run diverged.\n";
}

}  // namespace wn::settings
