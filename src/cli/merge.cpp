// wn-merge: joins the --json histories of wn-train's shards (--shard K/N) into one, as if one
// process had run the grid, and prints the summary that process would have printed.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "../merge/merge.hpp"
#include "options.hpp"
#include "output_file.hpp"

namespace {

const char* const kUsage = R"(wn-merge: joins wn-train history files (--json) into one.

Usage: wn-merge FILE... [--json OUT] [--quiet]

  FILE...        history files: the shards of one grid (wn-train --shard K/N, in any
                 order), or whole histories of the same settings (more seeds, say)
  --json OUT     write the merged history here
  --quiet        no summary
  --version      the version
  --help         this text

The shards' runs go back in grid order, so the merged file is what one process running
the whole grid writes (timings aside). Files whose shared settings (data, epochs, batch
size, images, threads, SIMD, ...) differ are refused, naming the setting.

Exit codes: 0 success, 1 a file cannot be read, merged or written, 2 bad options.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace wn;
  std::vector<std::string> inputs;
  std::string out;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--version") {
      std::fputs(arg == "--version" ? "wn-merge " WN_VERSION "\n" : kUsage, stdout);
      return kExitOk;
    }
    if (arg == "--quiet") {
      quiet = true;
    } else if (arg == "--json" || arg.rfind("--json=", 0) == 0) {
      out = arg == "--json" ? (i + 1 < argc ? argv[++i] : "") : arg.substr(7);
      if (out.empty()) {
        std::fprintf(stderr, "wn-merge: --json needs a file name\n");
        return kExitUsage;
      }
    } else if (arg.rfind("--", 0) == 0) {
      std::fprintf(stderr, "wn-merge: unknown option %s (see --help)\n", arg.c_str());
      return kExitUsage;
    } else {
      inputs.push_back(arg);
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "wn-merge: no history files given (see --help)\n");
    return kExitUsage;
  }
  std::vector<FileUse> uses;
  for (const std::string& in : inputs) uses.push_back({"the input", in});
  if (!out.empty()) uses.push_back({"--json", out, true});
  if (Status s = check_distinct_files(uses); !s) {
    std::fprintf(stderr, "wn-merge: %s\n", s.message().c_str());
    return kExitUsage;
  }
  std::optional<OutputTarget> target;
  if (!out.empty()) {
    auto checked = check_output(out);
    if (!checked) {
      std::fprintf(stderr, "wn-merge: %s\n", checked.message().c_str());
      return kExitFailure;
    }
    target = checked.value();
  }

  std::vector<HistoryFile> files;
  for (const std::string& in : inputs) {
    auto file = read_history(in);
    if (!file) {
      std::fprintf(stderr, "wn-merge: %s\n", file.message().c_str());
      return kExitFailure;
    }
    files.push_back(std::move(file.value()));
  }
  auto merged = merge_histories(files);
  if (!merged) {
    std::fprintf(stderr, "wn-merge: %s\n", merged.message().c_str());
    return kExitFailure;
  }
  if (!quiet) {
    std::printf("Merged %zu run(s) from %zu file(s)%s\n", merged->outcomes.size(), files.size(),
                files[0].shard ? ", the grid's shards in order" : "");
    std::printf("\n%s", summary_text(merged->outcomes).c_str());
  }
  if (target) {
    if (Status s = write_output_file(*target, out, merged->json); !s) {
      std::fprintf(stderr, "wn-merge: %s\n", s.message().c_str());
      return kExitFailure;
    }
  }
  return kExitOk;
}
