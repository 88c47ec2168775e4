#pragma once
// wn-train's command line, parsed into values once at the edge of the program. The same parser
// reads the flags of one run in the browser (wn_run_create in src/wasm/bindings.cpp), so both
// accept and refuse exactly the same settings.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../status.hpp"
#include "../experiments.hpp"
#include "../limits.hpp"
#include "../train/run.hpp"
#include "../train/shard.hpp"

namespace wn {

// Exit codes, listed in --help.
enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitDiverged = 3 };

struct CliOptions {
  std::string data = "data/cifar-10-binary.tar.gz";
  std::string experiment;  // the preset the grid and data came from (--experiment), if any
  // The grid: one run per (sweep, learning rate, seed, variant), variants innermost, so the
  // paired runs of one seed follow each other. A variant is a model with one of the
  // wn_inits; the plain model, which has no init to choose, is one variant.
  std::vector<ModelKind> models{ModelKind::regular, ModelKind::weightnorm};
  std::vector<WnInit> wn_inits{WnInit::tfa};
  std::vector<std::uint64_t> seeds{0};
  std::vector<Sweep> sweeps{Sweep{}};
  RunConfig run;                  // what every run shares; the grid fills the rest
  std::optional<int> threads;     // per run; all cores unless given
  int train_samples = limits::kMaxTrain;
  int test_samples = limits::kMaxTest;
  std::string json;
  std::string diagnostics;  // JSON lines of per-layer diagnostics
  std::string save_weights; // .npz per run; {model}, {init}, {seed}, {optimizer}, {lr} are filled in
  std::string load_weights; // .npz every run starts from
  std::optional<Shard> shard;  // run only this part of the grid (train/shard.hpp)
  bool quiet = false;
  bool help = false;
  bool version = false;
};

Result<CliOptions> parse_options(int argc, const char* const* argv);
// The flags of one run (model, seed, lr, optimiser, epochs, batch size, threads …; not the
// CLI's data and file flags), as the browser worker passes them: exactly one grid cell.
Result<RunConfig> parse_run(const std::vector<std::string>& args);
std::vector<RunConfig> expand_grid(const CliOptions& o, int threads);
// The --save-weights file of a run: the template with its placeholders filled in.
std::string weights_path(const std::string& pattern, const RunConfig& c);
std::string usage();

}  // namespace wn
