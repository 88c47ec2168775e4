#include "merge.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>

#include "../json.hpp"
#include "../limits.hpp"
#include "../train/history.hpp"

namespace wn {

namespace {
using json::Value;
using Type = Value::Type;

Result<std::string> text_of(const Value* v, const std::string& what) {
  if (!v || !v->is(Type::string)) return Error{what + " is missing or not a string"};
  return v->text;
}
Result<double> number_of(const Value* v, const std::string& what) {
  if (!v || !v->is(Type::number)) return Error{what + " is missing or not a number"};
  return v->number;
}

// A run record back into the RunConfig and History it was written from (history.cpp's run_json):
// what summarise_cells and summarise_pairs need, checked as it goes. A record without its own
// batch_size (written before batch sizes were a grid dimension) has the file's.
Result<RunOutcome> outcome_of(const Value& run, const Value* file_batch) {
  if (!run.is(Type::object)) return Error{"is not an object"};
  RunOutcome r;
  auto model = text_of(run.find("model"), "'model'");
  if (!model) return Error{model.message()};
  auto kind = model_kind_from_name(model.value());
  if (!kind) return Error{"has an unknown model '" + model.value() + "'"};
  r.config.model = *kind;
  auto init = text_of(run.find("wn_init"), "'wn_init'");
  if (!init) return Error{init.message()};
  auto wn_init = wn_init_from_name(init.value());
  if (!wn_init) return Error{"has an unknown wn_init '" + init.value() + "'"};
  r.config.wn_init = *wn_init;
  auto optimizer = text_of(run.find("optimizer"), "'optimizer'");
  if (!optimizer) return Error{optimizer.message()};
  if (optimizer.value() != optimizer_name(OptimizerKind::adam) && optimizer.value() != optimizer_name(OptimizerKind::sgd))
    return Error{"has an unknown optimizer '" + optimizer.value() + "'"};
  r.config.optimizer = optimizer.value() == optimizer_name(OptimizerKind::adam) ? OptimizerKind::adam : OptimizerKind::sgd;
  auto seed = number_of(run.find("seed"), "'seed'");
  if (!seed) return Error{seed.message()};
  if (seed.value() < 0 || seed.value() > double(limits::kMaxSeed) || seed.value() != std::floor(seed.value()))
    return Error{"has a seed that is no whole number from 0 to " + std::to_string(limits::kMaxSeed)};
  r.config.seed = std::uint64_t(seed.value());
  auto lr = number_of(run.find("learning_rate"), "'learning_rate'");
  if (!lr) return Error{lr.message()};
  r.config.learning_rate = float(lr.value());
  auto momentum = number_of(run.find("momentum"), "'momentum'");
  if (!momentum) return Error{momentum.message()};
  r.config.momentum = float(momentum.value());
  const Value* batch = run.find("batch_size");
  if (!batch) batch = file_batch;
  if (batch) {  // histories before batch_size was written at all are read as they were
    auto b = number_of(batch, "'batch_size'");
    if (!b) return Error{b.message()};
    if (b.value() < 1 || b.value() > limits::kMaxBatch || b.value() != std::floor(b.value()))
      return Error{"has a batch_size that is no whole number from 1 to " + std::to_string(limits::kMaxBatch)};
    r.config.batch_size = int(b.value());
  }
  if (const Value* ms = run.find("ms_per_step"); ms && ms->is(Type::number)) r.history.ms_per_step = ms->number;
  if (const Value* stopped = run.find("stopped"); stopped && stopped->is(Type::string)) r.history.stopped = stopped->text;
  const Value* epochs = run.find("history");
  if (!epochs || !epochs->is(Type::array)) return Error{"'history' is missing or not an array"};
  for (const Value& e : epochs->items) {
    EpochLog log;
    double* fields[] = {&log.seconds, &log.loss, &log.accuracy, &log.val_loss, &log.val_accuracy};
    const char* names[] = {"seconds", "loss", "accuracy", "val_loss", "val_accuracy"};
    auto epoch = number_of(e.find("epoch"), "an epoch's 'epoch'");
    if (!epoch) return Error{epoch.message()};
    log.epoch = int(epoch.value());
    for (std::size_t i = 0; i < 5; ++i) {
      const Value* v = e.find(names[i]);
      // A diverged epoch's loss is NaN, which JSON writes as null.
      if (v && v->is(Type::null)) *fields[i] = std::nan("");
      else if (auto n = number_of(v, std::string("an epoch's '") + names[i] + "'")) *fields[i] = n.value();
      else return Error{n.message()};
    }
    if (const Value* b = e.find("val_accuracy_batch_stats"); b && b->is(Type::number)) log.val_accuracy_batch_stats = b->number;
    r.history.epochs.push_back(log);
  }
  return r;
}

// The run's cell and seed: the same in two files means one run made twice.
std::string run_key(const RunConfig& c) {
  return variant_label(c) + ", seed " + std::to_string(c.seed) + ", " + setting_label(c) + ", batch " + std::to_string(c.batch_size);
}
}  // namespace

Result<HistoryFile> read_history_text(const std::string& path, const std::string& text) {
  if (text.empty()) return Error{path + ": the file is empty"};
  auto doc = json::parse(text);
  if (!doc) return Error{path + ": not a JSON file (" + doc.message() + ")"};
  const Value& d = doc.value();
  const Value* format = d.find("format");
  if (!d.is(Type::object) || !format || !format->is(Type::string) || format->text != kHistoryFormat)
    return Error{path + ": not a history file (its \"format\" is not \"" + kHistoryFormat + "\")"};
  const Value* version = d.find("version");
  if (!version || !version->is(Type::number) || version->number != kHistoryVersion)
    return Error{path + ": a history of version " + (version ? json::write(*version) : std::string("(none)")) +
                 "; this wn-merge reads version " + std::to_string(kHistoryVersion)};
  HistoryFile f;
  f.path = path;
  auto tool = text_of(d.find("tool"), "\"tool\"");
  if (!tool) return Error{path + ": " + tool.message()};
  f.tool = tool.value();
  const Value* options = d.find("options");
  if (!options || !options->is(Type::object)) return Error{path + ": \"options\" is missing or not an object"};
  for (const auto& [key, value] : options->members) {
    if (key != "shard") {
      f.options.members.emplace_back(key, value);
      continue;
    }
    auto shard = text_of(&value, "\"shard\"");
    auto parsed = shard ? parse_shard(shard.value()) : Result<Shard>(Error{shard.message()});
    if (!parsed) return Error{path + ": its \"shard\" setting: " + parsed.message()};
    f.shard = parsed.value();
  }
  f.options.type = Type::object;
  const Value* runs = d.find("runs");
  if (!runs || !runs->is(Type::array)) return Error{path + ": \"runs\" is missing or not an array"};
  for (std::size_t i = 0; i < runs->items.size(); ++i) {
    const Value* batch = f.options.find("batch_size");  // a number; a batch-size grid's list is no run's
    auto outcome = outcome_of(runs->items[i], batch && batch->is(Type::number) ? batch : nullptr);
    if (!outcome) return Error{path + ": run " + std::to_string(i + 1) + " " + outcome.message()};
    f.runs.push_back(runs->items[i]);
    f.outcomes.push_back(outcome.value());
  }
  return f;
}

Result<HistoryFile> read_history(const std::string& path, std::size_t max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Error{"cannot read " + path + ": " + std::strerror(errno)};
  if (S_ISDIR(st.st_mode)) return Error{"cannot read " + path + ": it is a folder"};
  if (S_ISREG(st.st_mode) && std::size_t(st.st_size) > max_bytes)
    return Error{path + ": " + std::to_string(std::size_t(st.st_size) >> 20) + " MB, more than the " +
                 std::to_string(max_bytes >> 20) + " MB a history file may have; not reading it"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read " + path + ": " + std::strerror(errno)};
  // Read at most one byte past the limit: a FIFO or device has no size to check beforehand.
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, std::size_t(in.gcount()));
    if (text.size() > max_bytes)
      return Error{path + ": more than the " + std::to_string(max_bytes >> 20) + " MB a history file may have; not reading it"};
  }
  if (in.bad()) return Error{"cannot read " + path + ": " + std::strerror(errno)};
  return read_history_text(path, text);
}

Result<Merged> merge_histories(const std::vector<HistoryFile>& files) {
  if (files.empty()) return Error{"no history files to merge"};
  const HistoryFile& first = files.front();
  for (const HistoryFile& f : files) {
    if (f.tool != first.tool)
      return Error{first.path + " and " + f.path + " were written by different tools (" + first.tool + ", " + f.tool + ")"};
    // Every setting either file has, compared as written.
    std::vector<std::string> keys;
    for (const auto* o : {&first.options, &f.options})
      for (const auto& member : o->members)
        if (std::find(keys.begin(), keys.end(), member.first) == keys.end()) keys.push_back(member.first);
    for (const std::string& key : keys) {
      const Value *a = first.options.find(key), *b = f.options.find(key);
      const std::string va = a ? json::write(*a) : "(not set)", vb = b ? json::write(*b) : "(not set)";
      if (va != vb)
        return Error{first.path + " and " + f.path + " differ in the setting \"" + key + "\" (" + va + " vs " + vb +
                     "): their runs are not one grid"};
    }
    if (f.shard.has_value() != first.shard.has_value())
      return Error{(first.shard ? first.path : f.path) + " is a shard of a grid (--shard) and " + (first.shard ? f.path : first.path) +
                   " is not: merge the shards of one grid, or whole histories"};
  }

  // Shards go back in grid order: shard_of gives each K a contiguous range of the grid.
  std::vector<const HistoryFile*> order;
  if (first.shard) {
    const int n = first.shard->count;
    order.assign(std::size_t(n), nullptr);
    for (const HistoryFile& f : files) {
      if (f.shard->count != n)
        return Error{first.path + " is shard " + shard_name(*first.shard) + " and " + f.path + " is shard " + shard_name(*f.shard) +
                     ": shards of different splits"};
      const HistoryFile*& slot = order[std::size_t(f.shard->index)];
      if (slot) return Error{"shard " + shard_name(*f.shard) + " is given twice: " + slot->path + " and " + f.path};
      slot = &f;
    }
    for (int k = 0; k < n; ++k)
      if (!order[std::size_t(k)]) return Error{"shard " + shard_name({k, n}) + " is missing: the grid has " + std::to_string(n) + " shards"};
  } else {
    for (const HistoryFile& f : files) order.push_back(&f);
  }

  Merged m;
  std::vector<std::string> runs;
  std::map<std::string, const std::string*> owner;  // run key → the file it came from
  for (const HistoryFile* f : order)
    for (std::size_t i = 0; i < f->runs.size(); ++i) {
      const std::string key = run_key(f->outcomes[i].config);
      const auto [seen, fresh] = owner.emplace(key, &f->path);
      if (!fresh) return Error{"the run " + key + " is in both " + *seen->second + " and " + f->path};
      runs.push_back(json::write(f->runs[i]));
      m.outcomes.push_back(f->outcomes[i]);
    }
  m.json = history_json(first.tool, json::write(first.options), runs);
  return m;
}

}  // namespace wn
