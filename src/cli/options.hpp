#pragma once
// wn-train's command line, parsed into values once at the edge of the program by the settings
// table (src/config/settings.hpp), which also checks the run configuration the page hands the
// WebAssembly module: both accept and refuse exactly the same settings.
#include "../config/settings.hpp"

namespace wn {

// Exit codes, listed in --help.
enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitDiverged = 3 };

using CliOptions = GridSpec;

Result<CliOptions> parse_options(int argc, const char* const* argv);
using settings::expand_grid;
using settings::usage;
using settings::weights_path;

}  // namespace wn
