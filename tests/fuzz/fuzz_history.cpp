// libFuzzer target: wn-merge's reading of a history file (json::parse, then the history checks);
// the input is the file's text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "json_read.hpp"
#include "merge/merge.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto v = wn::json::parse(text);
  if (!v) {
    if (v.message().empty()) __builtin_trap();  // every rejection says why
    return 0;
  }
  // What write() gives reads back, and writes the same again.
  const std::string once = wn::json::write(v.value());
  auto again = wn::json::parse(once);
  if (!again || wn::json::write(again.value()) != once) __builtin_trap();
  auto file = wn::read_history_text("fuzz.json", text);
  if (!file) {
    if (file.message().rfind("fuzz.json: ", 0) != 0) __builtin_trap();  // a refusal names the file
    return 0;
  }
  // Alone, a history merges unless it is one shard of several or holds one run twice.
  auto merged = wn::merge_histories({file.value()});
  const bool partial = file->shard && file->shard->count > 1;
  if (!merged && !partial && merged.message().find(" is in both ") == std::string::npos) __builtin_trap();
  if (merged && !wn::read_history_text("merged.json", merged->json)) __builtin_trap();  // the merge is a history again
  return 0;
}
