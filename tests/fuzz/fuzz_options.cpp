// libFuzzer target: the settings table's parsers. An input that starts with '{' is a run
// configuration as the page sends it (settings::parse_run_json); any other is argv split at NUL bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size && data[0] == '{') {
    auto run = wn::settings::parse_run_json(std::string(reinterpret_cast<const char*>(data), size));
    if (run) {
      const bool usable = run->epochs >= 0 && run->batch_size >= 1 && run->learning_rate > 0 && run->learning_rate < 1e38f &&
                          run->momentum >= 0 && run->momentum < 1 && run->threads >= 1;
      if (!usable) __builtin_trap();  // an accepted run is always usable
    } else if (run.message().empty()) {
      __builtin_trap();
    }
    return 0;
  }
  std::vector<std::string> args{"wn-train"};
  std::string cur;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.push_back(cur);
      cur.clear();
    } else {
      cur += char(data[i]);
    }
  }
  args.push_back(cur);
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  auto r = wn::parse_options(int(argv.size()), argv.data());
  if (r) {
    const wn::CliOptions& o = r.value();
    // epochs 0 is legal: it evaluates only (FitLoop validates once, as epoch 0).
    bool usable = o.run.epochs >= 0 && !o.batch_sizes.empty() && o.train_samples >= 1 && o.test_samples >= 1 &&
                  !o.models.empty() && !o.seeds.empty() && !o.sweeps.empty();
    for (int b : o.batch_sizes) usable = usable && b >= 1;
    for (const wn::Sweep& s : o.sweeps)
      for (float lr : s.learning_rates) usable = usable && lr > 0 && lr < 1e38f;
    if (!usable) __builtin_trap();  // accepted options are always usable
  } else if (r.message().empty()) {
    __builtin_trap();  // every rejection says why
  }
  return 0;
}
