#include "options.hpp"

namespace wn {

Result<CliOptions> parse_options(int argc, const char* const* argv) { return settings::parse_args(argc, argv); }

}  // namespace wn
