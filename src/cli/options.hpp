#pragma once
// wn-train's command line, parsed into values once at the edge of the program. The same parser
// reads the flags of one run in the browser (wn_run_create in src/wasm/bindings.cpp), so both
// accept and refuse exactly the same settings.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../status.hpp"
#include "../limits.hpp"
#include "../train/run.hpp"

namespace wn {

// Exit codes, listed in --help.
enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitDiverged = 3 };

struct CliOptions {
  std::string data = "data/cifar-10-binary.tar.gz";
  // The grid: one run per (learning rate, seed, model), models innermost, so the paired runs
  // of one seed follow each other.
  std::vector<Preset> models{Preset::regular, Preset::weightnorm};
  std::vector<std::uint64_t> seeds{0};
  std::vector<float> learning_rates{1e-3f};
  RunConfig run;                  // what every run shares; the grid fills model, seed, lr
  std::optional<int> threads;     // per run; all cores unless given
  int train_samples = limits::kMaxTrain;
  int test_samples = limits::kMaxTest;
  std::string json;
  std::string diagnostics;  // JSON lines of per-layer diagnostics
  bool quiet = false;
  bool help = false;
  bool version = false;
};

Result<CliOptions> parse_options(int argc, const char* const* argv);
// The flags of one run (model, seed, lr, optimiser, epochs, batch size, threads …; not the
// CLI's data and file flags), as the browser worker passes them: exactly one grid cell.
Result<RunConfig> parse_run(const std::vector<std::string>& args);
std::vector<RunConfig> expand_grid(const CliOptions& o, int threads);
std::string usage();

}  // namespace wn
