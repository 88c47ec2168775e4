#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <optional>

#include "json.hpp"
#include "json_read.hpp"
#include "merge/merge.hpp"
#include "train/history.hpp"

using namespace wn;

namespace {
RunOutcome outcome(ModelKind model, std::uint64_t seed, float lr, double val_accuracy) {
  RunOutcome r;
  r.config.model = model, r.config.seed = seed, r.config.learning_rate = lr;
  r.history.epochs.push_back({1, 1.25, 2.0, 0.25, 1.9, val_accuracy});
  r.history.ms_per_step = 3.5;
  r.history.confusion[2][3] = 7;
  return r;
}

std::string options(int epochs, const char* shard = nullptr) {
  json::Writer w;
  w.begin_object().key("data").value("d").key("epochs").value(epochs).key("simd").value("avx2");
  if (shard) w.key("shard").value(shard);
  return w.end().str();
}

std::string history(const std::vector<RunOutcome>& runs, const std::string& opts) {
  std::vector<std::string> records;
  for (const RunOutcome& r : runs) records.push_back(run_json(r.config, r.history));
  return history_json("wn-train 0.1.0", opts, records);
}

HistoryFile file(const std::string& path, const std::string& text) {
  auto f = read_history_text(path, text);
  REQUIRE_MESSAGE(f, f.message());
  return f.value();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A grid of 2 learning rates × 2 seeds × both models: 4 blocks of a paired seed each.
const std::vector<RunOutcome>& grid() {
  static const std::vector<RunOutcome> runs = {
      outcome(ModelKind::regular, 1, 1e-3f, 0.30), outcome(ModelKind::weightnorm, 1, 1e-3f, 0.35),
      outcome(ModelKind::regular, 2, 1e-3f, 0.32), outcome(ModelKind::weightnorm, 2, 1e-3f, 0.31),
      outcome(ModelKind::regular, 1, 1e-2f, 0.20), outcome(ModelKind::weightnorm, 1, 1e-2f, 0.25),
      outcome(ModelKind::regular, 2, 1e-2f, 0.10), outcome(ModelKind::weightnorm, 2, 1e-2f, 0.45)};
  return runs;
}
std::vector<RunOutcome> part(std::size_t from, std::size_t to) { return {grid().begin() + long(from), grid().begin() + long(to)}; }
}  // namespace

TEST_CASE("json::parse reads back what json::Writer wrote, byte for byte") {
  const std::string text = history(grid(), options(2));
  auto v = json::parse(text);
  REQUIRE_MESSAGE(v, v.message());
  CHECK(json::write(v.value()) == text);
  CHECK(v->find("runs")->items.size() == 8);
  CHECK(v->find("runs")->items[1].find("history")->items[0].find("val_accuracy")->number == 0.35);
  // Numbers keep their text: 1e-07 stays 1e-07, not 9.9999999999999995e-08.
  CHECK(json::write(json::parse("[1e-07, -0.5, 0, 12345678901]").value()) == "[1e-07, -0.5, 0, 12345678901]");
  auto s = json::parse(R"("a\"b\\c\u00e9\ud83d\ude00\n")");
  REQUIRE(s);
  CHECK(s->text == "a\"b\\c\xc3\xa9\xf0\x9f\x98\x80\n");
  CHECK(json::write(s.value()) == R"("a\"b\\cé😀\n")");
  CHECK(json::parse(" {\"a\": [true, false, null, {}]} \n")->find("a")->items.size() == 4);
}

TEST_CASE("json::parse refuses what is not JSON with where and why, and never aborts") {
  const std::pair<const char*, const char*> bad[] = {
      {"{\"a\": [1, 2", "truncated"}, {"{\"a\": \"x", "truncated"}, {"", "truncated"}, {"{\"a\" 1}", "':'"},
      {"[1 2]", "','"}, {"[01]", "','"}, {"[1.]", "digits"}, {"[1e]", "digits"}, {"[-]", "not a JSON value"},
      {"[nul]", "not a JSON value"}, {"{} x", "more text"}, {"[\"\\x\"]", "escape"}, {"[\"\\u12\"]", "hex"},
      {"[\"a\tb\"]", "control"}, {"[1e999]", "too large"}, {"{1: 2}", "key"}, {"NaN", "not a JSON value"}};
  for (const auto& [text, why] : bad) {
    CAPTURE(text);
    auto v = json::parse(text);
    REQUIRE(!v);
    CHECK(contains(v.message(), "at byte "));
    CHECK(contains(v.message(), why));
  }
  std::string deep(json::kMaxDepth + 1, '[');
  deep += std::string(json::kMaxDepth + 1, ']');
  CHECK(contains(json::parse(deep).message(), "nested more than"));
  std::string ok(json::kMaxDepth, '[');
  ok += std::string(json::kMaxDepth, ']');
  CHECK(json::parse(ok));
}

TEST_CASE("a history file that is not one is refused, naming the file and the reason") {
  const std::string good = history(part(0, 2), options(2));
  CHECK(contains(read_history_text("a.json", good.substr(0, good.size() / 2)).message(), "a.json: not a JSON file (at byte"));
  CHECK(contains(read_history_text("a.json", good.substr(0, good.size() / 2)).message(), "truncated"));
  CHECK(contains(read_history_text("b.json", R"({"format": "other", "version": 1})").message(), "b.json: not a history file"));
  CHECK(contains(read_history_text("c.json", "[1]").message(), "c.json: not a history file"));
  CHECK(read_history_text("empty.json", "").message() == "empty.json: the file is empty");
  std::string v2 = good;
  v2.replace(v2.find("\"version\": 1"), 12, "\"version\": 2");
  CHECK(contains(read_history_text("d.json", v2).message(), "d.json: a history of version 2; this wn-merge reads version 1"));
  std::string model = good;
  model.replace(model.find("\"regular\""), 9, "\"resnet\"");
  CHECK(read_history_text("e.json", model).message() == "e.json: run 1 has an unknown model 'resnet'");
  std::string seed = good;
  seed.replace(seed.find("\"seed\": 1"), 9, "\"seed\": -1");
  CHECK(contains(read_history_text("f.json", seed).message(), "f.json: run 1 has a seed that is no whole number"));
  std::string shard = history(part(0, 2), options(2, "2/2"));
  CHECK(contains(read_history_text("g.json", shard).message(), "g.json: its \"shard\" setting: --shard 2/2"));
}

TEST_CASE("read_history refuses a file over the size limit without reading it, and a missing one") {
  const std::string path = "wn-test-merge-big.json";
  {
    std::ofstream out(path);
    out << history(part(0, 2), options(2));
  }
  CHECK(read_history(path));
  auto big = read_history(path, 100);
  REQUIRE(!big);
  CHECK(contains(big.message(), path + ": "));
  CHECK(contains(big.message(), "a history file may have; not reading it"));
  std::remove(path.c_str());
  CHECK(contains(read_history(path).message(), "cannot read " + path));
}

TEST_CASE("merged shards are the whole grid's history, in grid order, whatever order they come in") {
  const std::string whole = history(grid(), options(2));
  // Shards as wn-train --shard K/3 cuts 4 blocks: [0, 1), [1, 2), [2, 4).
  const HistoryFile a = file("s0.json", history(part(0, 2), options(2, "0/3")));
  const HistoryFile b = file("s1.json", history(part(2, 4), options(2, "1/3")));
  const HistoryFile c = file("s2.json", history(part(4, 8), options(2, "2/3")));
  auto merged = merge_histories({c, a, b});
  REQUIRE_MESSAGE(merged, merged.message());
  CHECK(merged->json == whole);
  CHECK(summary_text(merged->outcomes) == summary_text(grid()));
  CHECK(contains(summary_text(merged->outcomes), "weightnorm ahead of regular in 1/2 seeds"));
  // An empty shard (more array tasks than blocks) merges too.
  const HistoryFile empty = file("s3.json", history({}, options(2, "3/4")));
  const HistoryFile a4 = file("s0.json", history(part(0, 2), options(2, "0/4")));
  const HistoryFile b4 = file("s1.json", history(part(2, 4), options(2, "1/4")));
  const HistoryFile c4 = file("s2.json", history(part(4, 8), options(2, "2/4")));
  auto four = merge_histories({a4, b4, c4, empty});
  REQUIRE_MESSAGE(four, four.message());
  CHECK(four->json == whole);
}

TEST_CASE("merging refuses different settings, missing or repeated shards, and runs made twice") {
  const HistoryFile a = file("s0.json", history(part(0, 4), options(2, "0/2")));
  const HistoryFile b = file("s1.json", history(part(4, 8), options(2, "1/2")));
  const HistoryFile b3 = file("s1-3.json", history(part(4, 8), options(3, "1/2")));
  CHECK(merge_histories({a, b3}).message() ==
        "s0.json and s1-3.json differ in the setting \"epochs\" (2 vs 3): their runs are not one grid");
  CHECK(merge_histories({a}).message() == "shard 1/2 is missing: the grid has 2 shards");
  CHECK(merge_histories({a, b, a}).message() == "shard 0/2 is given twice: s0.json and s0.json");
  const HistoryFile other_split = file("t1.json", history(part(4, 8), options(2, "1/3")));
  CHECK(contains(merge_histories({a, other_split}).message(), "shards of different splits"));
  const HistoryFile whole = file("w.json", history(part(4, 8), options(2)));
  CHECK(contains(merge_histories({a, whole}).message(), "s0.json is a shard of a grid (--shard) and w.json is not"));
  // Whole histories append in the order given; the same run twice is refused.
  const HistoryFile first = file("w1.json", history(part(0, 4), options(2)));
  auto two = merge_histories({first, whole});
  REQUIRE(two);
  CHECK(two->json == history(grid(), options(2)));
  CHECK(merge_histories({first, first}).message() == "the run regular, seed 1, adam lr 0.001, batch 32 is in both w1.json and w1.json");
  CHECK(merge_histories({}).message() == "no history files to merge");
}

TEST_CASE("merging a batch-size grid keeps its cells apart, and reads old records' batch from the file") {
  std::vector<RunOutcome> runs;
  for (int batch : {2, 32})
    for (ModelKind m : {ModelKind::regular, ModelKind::batchnorm}) {
      RunOutcome r = outcome(m, 1, 1e-3f, batch == 2 ? 0.2 : 0.4);
      r.config.batch_size = batch;
      r.history.epochs.back().val_accuracy_batch_stats = m == ModelKind::batchnorm ? std::optional<double>(0.3) : std::nullopt;
      runs.push_back(r);
    }
  json::Writer w;
  w.begin_object().key("data").value("d").key("batch_size").array(std::vector<int>{2, 32});
  const std::string opts = w.end().str();
  const HistoryFile a = file("b0.json", history({runs[0], runs[1]}, opts)), b = file("b1.json", history({runs[2], runs[3]}, opts));
  auto merged = merge_histories({a, b});
  REQUIRE_MESSAGE(merged, merged.message());
  REQUIRE(merged->outcomes.size() == 4);
  CHECK(merged->outcomes[2].config.batch_size == 32);
  CHECK(merged->outcomes[1].history.epochs[0].val_accuracy_batch_stats == std::optional<double>(0.3));
  CHECK(summary_text(merged->outcomes) == summary_text(runs));
  CHECK(contains(summary_text(merged->outcomes), "batch 32"));
  // The same seed at another batch size is another run; at the same one, the same run.
  CHECK(merge_histories({a, a}).message() == "the run regular, seed 1, adam lr 0.001, batch 2 is in both b0.json and b0.json");
  // A record without batch_size (an older file) has the file's.
  const std::string old = R"({"format": "wn-history", "version": 1, "tool": "t", "options": {"batch_size": 16}, "runs": [)"
                          R"({"model": "regular", "seed": 1, "optimizer": "adam", "learning_rate": 0.001, "momentum": 0,)"
                          R"( "wn_init": "tfa", "history": []}]})";
  CHECK(file("old.json", old).outcomes[0].config.batch_size == 16);
}
