#pragma once
// Every setting of wn-train, the page and the embed, declared once in one table (settings.cpp):
// its name, type, bounds (limits.hpp), default, help, list syntax, and the front ends that show it
// (a wn-train flag, a URL/embed parameter, a form field, the run JSON the page hands the module).
// Everything else is derived from the table: wn-train's flags, --help and validation, the run JSON's
// validation (the same parsers), and the catalog the page reads (catalog.hpp), whose parameter rules
// web/params.js applies. Adding a setting is one entry here plus the code that uses the value.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../experiments.hpp"
#include "../limits.hpp"
#include "../status.hpp"
#include "../train/run.hpp"
#include "../train/shard.hpp"

namespace wn {

// What the settings fill in: a grid of runs and, for wn-train, its files. The grid is one run per
// (batch size, sweep, learning rate, seed, variant), variants innermost, so the paired runs of one
// seed follow each other. A variant is a model with one of the wn_inits; the plain model, which has no init to
// choose, is one variant.
struct GridSpec {
  std::string data = "data/cifar-10-binary.tar.gz";
  std::string experiment;  // the preset the grid and data came from (--experiment), if any
  std::vector<ModelKind> models{ModelKind::regular, ModelKind::weightnorm};
  std::vector<WnInit> wn_inits{WnInit::tfa};
  std::vector<std::uint64_t> seeds{0};
  std::vector<Sweep> sweeps{Sweep{}};
  std::vector<int> batch_sizes{32};  // run.batch_size is filled from these
  RunConfig run;               // what every run shares; the grid fills the rest
  std::optional<int> threads;  // per run; all cores unless given
  int train_samples = limits::kMaxTrain;
  int test_samples = limits::kMaxTest;
  std::string json;
  std::string diagnostics;   // JSON lines of per-layer diagnostics
  std::string save_weights;  // .npz per run; {model}, {init}, {seed}, {optimizer}, {lr}, {batch} are filled in
  std::string load_weights;  // .npz every run starts from
  std::optional<Shard> shard;  // run only this part of the grid (train/shard.hpp)
  bool quiet = false;
  bool help = false;
  bool version = false;
  bool catalog = false;  // print the catalog (catalog.hpp) instead of training
};

namespace settings {

// How a setting's text reads.
enum class Type {
  integer,  // decimal digits within [lo, hi]
  number,   // a decimal float within [lo, hi] (or [lo, hi) when below_hi)
  choice,   // one of choices()
  text,     // free text that the setting's parser checks (a file name, a spec)
  sweeps,   // the page's "adam:1e-3,1e-2;sgd@0.9:0.1" (web/params.js)
  toggle,   // a switch without a value
};

// Where a setting shows up.
enum Face : unsigned {
  kFlag = 1,     // a wn-train flag
  kParam = 2,    // a URL parameter of the page and the embed (and an attribute of <wn-trainer>)
  kForm = 4,     // a field of the page's form
  kRunJson = 8,  // a key of the run configuration the page hands the module (one grid cell)
};

// The values being parsed: the spec, and the optimiser settings, which replace an experiment's sweeps
// with one sweep once every flag is read.
struct Draft {
  GridSpec spec;
  const Experiment* experiment = nullptr;
  std::optional<OptimizerKind> optimizer;
  std::optional<float> momentum;
  std::optional<std::vector<float>> rates;
};

struct Setting {
  const char* key;       // the name in the run JSON, the history and the catalog
  unsigned faces;        // Face bits
  Type type;
  bool list = false;     // several values, "a,b" (seeds also "1-5")
  double lo = 0, hi = 0; // integer/number bounds
  bool below_hi = false; // number: hi itself is refused
  int most = 0;          // list: at most this many values (0: no limit of its own)
  const char* fallback;  // the default as --help and the catalog state it; nullptr: none / described in help
  const char* help;      // one sentence (or a few); wn-train's --help wraps it
  const char* flag = nullptr;   // "--batch-size"
  const char* alias = nullptr;  // another spelling of the flag ("--seed", "-h")
  const char* arg = nullptr;    // --help's name for the value ("N", "LIST")
  const char* param = nullptr;  // the URL/embed parameter
  const char* field = nullptr;  // the form field's id (web/index.html)
  bool param_list = false;      // the parameter takes a list (else one value, even if the flag takes several)
  std::optional<double> param_lo;  // the parameter's lower bound where it differs (the page trains ≥ 1 epoch)
  std::vector<std::string> (*choices)() = nullptr;  // choice: what it takes
  // Parses text (named `name` in messages: the flag or key as given) into the draft. A text
  // setting's validator lives here.
  Status (*apply)(Draft& d, const Setting& s, const std::string& name, const std::string& text) = nullptr;
  bool applies_first = false;  // applied before every other flag, which then override it (--experiment)
};

const std::vector<Setting>& table();
const Setting* find_key(const std::string& key);

// wn-train's command line.
Result<GridSpec> parse_args(int argc, const char* const* argv);
// A run configuration as JSON: {"model": "weightnorm", "seed": 3, "learning_rate": 0.01, …}, the keys
// of the kRunJson settings (as the history's run records and shared settings name them), each a
// number or a string; checked by the same parsers as the flags. Exactly one grid cell.
Result<RunConfig> parse_run_json(const std::string& text);
// Whether one setting (by key) takes this text, as its flag and run-JSON key do; the page asks it
// about free text, whose grammar the catalog cannot carry (an architecture spec).
Status check_setting(const std::string& key, const std::string& text);
std::vector<RunConfig> expand_grid(const GridSpec& spec, int threads);
// The --save-weights file of a run: the template with its placeholders filled in.
std::string weights_path(const std::string& pattern, const RunConfig& c);
std::string usage();

}  // namespace settings
}  // namespace wn
