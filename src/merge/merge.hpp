#pragma once
// wn-merge's work: join history files (docs/history.md) into one, as if one process had run
// them all. Shards of one grid (`wn-train --shard K/N`) are put back in grid order, so the
// merged file's runs are the whole grid's, in its order; other histories (more seeds run
// later, say) are appended in the order given. Files whose shared settings differ are refused,
// naming the setting: a run on 1,000 images does not average with a run on 50,000.
#include <optional>
#include <string>
#include <vector>

#include "../json_read.hpp"
#include "../status.hpp"
#include "../train/shard.hpp"
#include "../train/summary.hpp"

namespace wn {

// A history file is refused beyond this size: 10,000 runs of 100 epochs come to about 50 MB.
constexpr std::size_t kMaxHistoryBytes = std::size_t(256) << 20;

struct HistoryFile {
  std::string path;  // as given, for messages
  std::string tool;
  json::Value options;  // the shared settings, without "shard"
  std::optional<Shard> shard;
  std::vector<json::Value> runs;      // the run records as written
  std::vector<RunOutcome> outcomes;   // the same runs, read back for the summary
};

// Checks a parsed document: a wn-history of our version whose run records name a known
// model, init and optimiser. Messages start with path.
Result<HistoryFile> read_history_text(const std::string& path, const std::string& text);
// Reads and checks the file (refusing one larger than max_bytes without reading it).
Result<HistoryFile> read_history(const std::string& path, std::size_t max_bytes = kMaxHistoryBytes);

struct Merged {
  std::string json;                // the merged history file
  std::vector<RunOutcome> outcomes;  // its runs, in order
};
// Fails when the tools or shared settings differ (naming the setting and both files), when
// some shards of a grid are missing or given twice, when shards and whole runs are mixed, or
// when one run appears in two files.
Result<Merged> merge_histories(const std::vector<HistoryFile>& files);

}  // namespace wn
