// wn-train: trains the tutorial's nets natively and prints Keras-style epoch lines. Every cell of
// the grid (models × seeds × learning rates) is one run of the same FitLoop the browser drives.
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>

#include "../config/catalog.hpp"
#include "../data/cifar.hpp"
#include "../json.hpp"
#include "../kernels/simd.hpp"
#include "../train/history.hpp"
#include "../train/shard.hpp"
#include "../train/summary.hpp"
#include "npz.hpp"
#include "options.hpp"
#include "output_file.hpp"

namespace {

using namespace wn;

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// Keras prints "5s 3ms/step" with whole units.
std::string timing(double seconds, double ms_per_step) { return fixed(seconds, 0) + "s " + fixed(ms_per_step, 0) + "ms/step"; }

std::string bar(int step, int steps) {
  const int width = 30, done = steps ? width * step / steps : width;
  std::string b = "[" + std::string(std::max(done - 1, 0), '=') + (done < width ? ">" : "=");
  return b + std::string(width - done, '.') + "]";
}

// The settings all runs share, for the history file's "options": the images the runs had, as the
// page records them, which a short data set makes fewer than those asked for.
std::string options_json(const CliOptions& o, int threads, const Dataset& train, const Dataset& test) {
  json::Writer w;
  w.begin_object();
  w.key("data").value(o.data).key("experiment");
  o.experiment.empty() ? w.null() : w.value(o.experiment);
  w.key("arch").value(o.run.arch).key("width").value(o.run.width);
  // One batch size as a number, as ever; a batch-size grid as its list (each run record has its own).
  w.key("epochs").value(o.run.epochs).key("batch_size");
  o.batch_sizes.size() == 1 ? w.value(o.batch_sizes.front()) : w.array(o.batch_sizes);
  w.key("train_samples").value(train.size()).key("test_samples").value(test.size());
  w.key("threads").value(threads).key("simd").value(simd::name()).key("progress_every").value(o.run.progress_every);
  if (o.shard) w.key("shard").value(shard_name(*o.shard));
  return w.end().str();
}

std::string run_label(const RunConfig& c, std::size_t i, std::size_t n, bool batch) {
  return "run " + std::to_string(i + 1) + "/" + std::to_string(n) + ": " + variant_label(c) + ", seed " +
         std::to_string(c.seed) + ", " + setting_label(c, batch);
}

// Every run starts from the weights in path: each run's model must hold exactly its arrays,
// which the file's .npy headers are checked against before anything is inflated. The runs of
// one model share one copy (a copy per run held 1.8 GB over a grid of 6,000 runs).
Status load_initial_weights(const std::string& path, std::vector<RunConfig>& grid) {
  std::map<ModelKind, std::shared_ptr<const std::vector<float>>> loaded;
  for (RunConfig& c : grid) {
    auto& shared = loaded[c.model];
    if (!shared) {
      auto model = build_run_model(c, WnInit::none);
      if (!model) return model.status();
      auto arrays = npz_read(path, *model.value());
      if (!arrays) return arrays.status();
      Status s = import_weights(*model.value(), arrays.value());
      if (!s) return Error{path + ": " + s.message()};
      shared = std::make_shared<const std::vector<float>>(snapshot(*model.value()));
    }
    c.initial_weights = shared;
  }
  return {};
}

// The bytes load_initial_weights keeps: one snapshot per model of the grid.
std::size_t initial_weights_bytes(const std::vector<RunConfig>& grid) {
  std::map<ModelKind, std::size_t> sizes;
  for (const RunConfig& c : grid)
    if (!sizes.count(c.model))
      if (auto model = build_run_model(c, WnInit::none))
        sizes[c.model] = (model.value()->params().size() + model.value()->state().size()) * sizeof(float);
  std::size_t total = 0;
  for (const auto& [kind, bytes] : sizes) total += bytes;
  return total;
}

// SIGINT and SIGTERM end training after the current step, and the history file says so
// ("stopped": "interrupted (SIGINT)"). A second signal kills as usual (SA_RESETHAND).
volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_interrupt(int signal) { interrupted = signal; }
void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGINT, SIGTERM}) sigaction(signal, &action, nullptr);
}

// Every file the command line names, so that no output lands on an input or on another output.
std::vector<FileUse> file_uses(const CliOptions& o, const std::vector<RunConfig>& grid) {
  std::vector<FileUse> uses;
  for (const std::string& file : cifar_files(o.data)) uses.push_back({"--data", file});
  if (!o.load_weights.empty()) uses.push_back({"--load-weights", o.load_weights});
  if (!o.json.empty()) uses.push_back({"--json", o.json, true});
  if (!o.diagnostics.empty()) uses.push_back({"--diagnostics", o.diagnostics, true, true});
  if (!o.save_weights.empty())
    for (const RunConfig& c : grid) uses.push_back({"--save-weights", weights_path(o.save_weights, c), true});
  return uses;
}

// Says so when the data holds fewer images than asked for: the runs use what there is.
void warn_if_short(const char* what, int asked, int got) {
  if (got < asked)
    std::fprintf(stderr, "wn-train: warning: the data holds %d %s image(s), fewer than the %d asked for; using %d\n", got, what,
                 asked, got);
}

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe (a diagnostics FIFO whose reader quit, `| head`) is a write error to report,
  // not a silent death by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  auto parsed = parse_options(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "wn-train: %s\n", parsed.message().c_str());
    return kExitUsage;
  }
  const CliOptions& o = parsed.value();
  if (o.help || o.version || o.catalog) {
    const std::string text = o.help ? usage() : o.catalog ? catalog_json(WN_VERSION) + "\n" : "wn-train " WN_VERSION "\n";
    std::fputs(text.c_str(), stdout);
    return kExitOk;
  }
  const int threads = o.threads.value_or(ThreadPool::hardware_threads());
  std::vector<RunConfig> grid = expand_grid(o, threads);
  if (o.shard) {
    grid = shard_of(grid, *o.shard);
    if (grid.empty())  // its history (no runs) still merges, so an array job of too many tasks is no error
      std::fprintf(stderr, "wn-train: warning: shard %s has no runs: the grid has fewer blocks (a seed's paired runs) than shards\n",
                   shard_name(*o.shard).c_str());
  }
  const bool tty = isatty(fileno(stdout));
  const std::vector<FileUse> files = file_uses(o, grid);
  if (Status s = check_distinct_files(files); !s) {
    std::fprintf(stderr, "wn-train: %s\n", s.message().c_str());
    return kExitUsage;
  }
  // Each output, as checked now, is the file written later; --diagnostics is opened (and locked) now.
  std::map<std::string, OutputTarget> outputs;
  std::optional<OutputStream> diagnostics_file;
  for (const FileUse& f : files) {
    if (!f.output) continue;
    Status s;
    if (f.stream) {
      auto opened = OutputStream::open(f.path);
      if (opened) diagnostics_file.emplace(std::move(opened.value()));
      s = opened.status();
    } else {
      auto target = check_output(f.path);
      if (target) outputs.emplace(f.path, target.value());
      s = target.status();
    }
    if (!s) {
      std::fprintf(stderr, "wn-train: %s\n", s.message().c_str());
      return kExitFailure;
    }
  }

  // Refuse what cannot fit before loading anything: the dataset, the largest run's trainer and
  // the start weights the runs share.
  const std::size_t physical = std::size_t(sysconf(_SC_PHYS_PAGES)) * std::size_t(sysconf(_SC_PAGE_SIZE));
  std::size_t trainer_bytes = 0;
  for (const RunConfig& c : grid) trainer_bytes = std::max(trainer_bytes, Run::memory_bytes(c));
  const std::size_t start_bytes = o.load_weights.empty() ? 0 : initial_weights_bytes(grid);
  const std::size_t need = cifar_memory_bytes({o.train_samples, o.test_samples}) + trainer_bytes + start_bytes;
  if (physical > 0 && need > physical) {
    std::fprintf(stderr, "wn-train: these sizes need about %zu MB, more than this machine's %zu MB of memory\n",
                 need >> 20, physical >> 20);
    return kExitFailure;
  }
  if (!o.load_weights.empty()) {
    Status s = load_initial_weights(o.load_weights, grid);
    if (!s) {
      std::fprintf(stderr, "wn-train: %s\n", s.message().c_str());
      return kExitFailure;
    }
  }

  auto data = load_cifar(o.data, {o.train_samples, o.test_samples});
  if (!data) {
    std::fprintf(stderr, "wn-train: %s\n", data.message().c_str());
    return kExitFailure;
  }
  const Dataset& train = data->train;
  const Dataset& test = data->test;
  if (!o.quiet)
    std::printf("Loaded %d training and %d test images from %s; %d thread(s), SIMD: %s\n", train.size(), test.size(),
                o.data.c_str(), threads, simd::name());
  warn_if_short("training", o.train_samples, train.size());
  warn_if_short("test", o.test_samples, test.size());

  // Diagnostics are appended line by line as they come, so an interrupted run keeps them.
  OutputStream::File diagnostics(nullptr, std::fclose);
  if (diagnostics_file) {
    auto begun = diagnostics_file->begin();
    if (!begun) {
      std::fprintf(stderr, "wn-train: %s\n", begun.message().c_str());
      return kExitFailure;
    }
    diagnostics = std::move(begun.value());
  }

  std::vector<RunOutcome> outcomes;
  std::vector<std::string> records;
  int status = kExitOk;
  std::vector<std::string> unsaved;  // weight files that could not be written; the grid goes on
  const auto save = [&]() -> Status {
    return o.json.empty() ? Status()
                          : write_output_file(outputs.at(o.json), o.json,
                                              history_json("wn-train " WN_VERSION, options_json(o, threads, train, test), records));
  };
  catch_interrupts();
  std::set<std::pair<ModelKind, WnInit>> summarised;  // variants whose summary was printed
  for (std::size_t i = 0; i < grid.size(); ++i) {
    // Give the previous run's freed buffers back: glibc's dynamic mmap threshold moves large
    // blocks onto the heap after the first free, and over a grid the resident size grew without
    // bound (1,200 runs: 203 MB resident for a 10 MB heap; 18 MB with this).
    if (i > 0) malloc_trim(0);
    auto created = Run::create(grid[i], train, test);
    if (!created) {
      std::fprintf(stderr, "wn-train: %s\n", created.message().c_str());
      return kExitFailure;
    }
    Run& run = *created.value();
    if (!o.quiet) {
      if (grid.size() > 1) std::printf("\n%s\n", run_label(grid[i], i, grid.size(), o.batch_sizes.size() > 1).c_str());
      // Each variant's summary once: a grid's runs of one variant differ only in seed and optimiser.
      if (summarised.insert({grid[i].model, grid[i].wn_init}).second)
        std::printf("\n%s  softmax: fused into the categorical cross-entropy (the last Dense gives logits)\n",
                    run.model().summary().c_str());
      std::printf("%s\n", run.optimizer().describe().c_str());
    }
    for (const std::string& w : run_warnings(run.config(), train.size())) std::fprintf(stderr, "wn-train: warning: %s\n", w.c_str());
    records.push_back(run_json(run.config(), run.history()));
    for (;;) {
      const FitEvent e = run.loop().advance();
      if (e.kind == FitEvent::Kind::progress && !o.quiet && tty) {
        std::printf("\rEpoch %d/%d %d/%d %s - %s - loss: %.4f - accuracy: %.4f", e.epoch, e.epochs, e.step, e.steps,
                    bar(e.step, e.steps).c_str(), timing(e.seconds, e.ms_per_step).c_str(), e.loss, e.accuracy);
        std::fflush(stdout);
      }
      if (e.kind == FitEvent::Kind::diagnostics && diagnostics) {
        const bool written = std::fprintf(diagnostics.get(), "%s\n", diagnostics_json(e.diagnostics, run.config()).c_str()) >= 0;
        if (!written || std::fflush(diagnostics.get()) != 0) {  // a full disk, a closed pipe: say so once, train on
          std::fprintf(stderr, "%swn-train: cannot write %s: %s; training goes on without diagnostics\n", tty ? "\n" : "",
                       o.diagnostics.c_str(), std::strerror(errno));
          diagnostics.reset();
          status = kExitFailure;
        }
      }
      if (e.kind == FitEvent::Kind::epoch) {
        const EpochLog& l = e.log;
        if (!o.quiet)
          std::printf("%sEpoch %d/%d %d/%d - %s - loss: %.4f - accuracy: %.4f - val_loss: %.4f - val_accuracy: %.4f%s\n",
                      tty ? "\r\033[K" : "", l.epoch, e.epochs, e.steps, e.steps, timing(l.seconds, e.ms_per_step).c_str(),
                      l.loss, l.accuracy, l.val_loss, l.val_accuracy,
                      l.val_accuracy_batch_stats ? (" - val_accuracy_batch_stats: " + fixed(*l.val_accuracy_batch_stats, 4)).c_str() : "");
        std::fflush(stdout);
        records.back() = run_json(run.config(), run.history());
        if (Status s = save(); !s) std::fprintf(stderr, "wn-train: %s\n", s.message().c_str());
      }
      if (e.kind == FitEvent::Kind::diverged) {
        std::fprintf(stderr, "%swn-train: %s: %s\n", tty ? "\n" : "", model_kind_name(grid[i].model), e.message.c_str());
        status = kExitDiverged;
      }
      if (e.kind == FitEvent::Kind::done || e.kind == FitEvent::Kind::diverged) break;
      if (interrupted) {
        const char* name = interrupted == SIGINT ? "SIGINT" : "SIGTERM";
        History so_far = run.history();
        so_far.stopped = std::string("interrupted (") + name + ")";
        records.back() = run_json(run.config(), so_far);
        const Status s = save();
        std::fprintf(stderr, "%swn-train: interrupted (%s) in epoch %d of run %zu/%zu%s%s\n", tty ? "\n" : "", name, e.epoch, i + 1,
                     grid.size(), o.json.empty() ? "" : s ? "; the history so far is in " : "; ",
                     o.json.empty() ? "" : s ? o.json.c_str() : s.message().c_str());
        return 128 + interrupted;
      }
    }
    records.back() = run_json(run.config(), run.history());
    outcomes.push_back({run.config(), run.history()});
    if (!o.save_weights.empty()) {
      const std::string path = weights_path(o.save_weights, run.config());
      auto bytes = npz_encode(export_weights(run.model()));
      Status s = bytes ? write_output_file(outputs.at(path), path, bytes.value()) : bytes.status();
      if (!s) {
        std::fprintf(stderr, "wn-train: the weights of run %zu/%zu were not saved: %s\n", i + 1, grid.size(), s.message().c_str());
        unsaved.push_back(path);
      } else if (!o.quiet) {
        std::printf("Saved the weights to %s\n", path.c_str());
      }
    }
  }

  std::printf("\n%s", summary_text(outcomes).c_str());
  if (Status s = save(); !s) {
    std::fprintf(stderr, "wn-train: %s\n", s.message().c_str());
    return kExitFailure;
  }
  return unsaved.empty() ? status : kExitFailure;
}
