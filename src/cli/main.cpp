// wn-train: trains the tutorial's nets natively and prints Keras-style epoch lines. Every cell of
// the grid (models × seeds × learning rates) is one run of the same FitLoop the browser drives.
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "../data/cifar.hpp"
#include "../json.hpp"
#include "../kernels/simd.hpp"
#include "../train/history.hpp"
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

// The settings all runs share, for the history file's "options".
std::string options_json(const CliOptions& o, int threads) {
  json::Writer w;
  w.begin_object();
  w.key("data").value(o.data).key("experiment");
  o.experiment.empty() ? w.null() : w.value(o.experiment);
  w.key("epochs").value(o.run.epochs).key("batch_size").value(o.run.batch_size);
  w.key("train_samples").value(o.train_samples).key("test_samples").value(o.test_samples);
  w.key("threads").value(threads).key("simd").value(simd::name()).key("progress_every").value(o.run.progress_every);
  return w.end().str();
}

std::string setting(const RunConfig& c) {
  std::string s = std::string(optimizer_name(c.optimizer)) + " lr " + json::number(c.learning_rate);
  return c.momentum > 0 ? s + " momentum " + json::number(c.momentum) : s;
}

std::string run_label(const RunConfig& c, std::size_t i, std::size_t n) {
  return "run " + std::to_string(i + 1) + "/" + std::to_string(n) + ": " + variant_label(c) + ", seed " +
         std::to_string(c.seed) + ", " + setting(c);
}

// Every run starts from the weights in path: each run's model must hold exactly its arrays.
Status load_initial_weights(const std::string& path, std::vector<RunConfig>& grid) {
  auto arrays = npz_read(path);
  if (!arrays) return arrays.status();
  for (RunConfig& c : grid) {
    auto model = Model::build(preset(c.model, WnInit::none), c.seed);
    if (!model) return model.status();
    Status s = import_weights(*model.value(), arrays.value());
    if (!s) return Error{path + ": " + s.message()};
    c.initial_params = std::make_shared<const std::vector<float>>(model.value()->params().begin(), model.value()->params().end());
  }
  return {};
}

void print_summary(const std::vector<RunOutcome>& runs, bool grid) {
  std::printf("\n");
  if (!grid) {
    for (const RunOutcome& r : runs) {
      if (r.history.epochs.empty()) continue;
      const EpochLog& last = r.history.epochs.back();
      if (last.epoch == 0)
        std::printf("%-10s evaluated: val_loss %.4f, val_accuracy %.4f\n", variant_label(r.config).c_str(), last.val_loss,
                    last.val_accuracy);
      else
        std::printf("%-10s test accuracy after %d epoch(s): %.4f (%.2f ms/step)\n", variant_label(r.config).c_str(),
                    last.epoch, last.val_accuracy, r.history.ms_per_step);
    }
    return;
  }
  std::printf("final val_accuracy over seeds:\n");
  for (const CellSummary& c : summarise_cells(runs))
    std::printf("  %-26s %-16s %2d seed(s): %.4f ± %.4f  (min %.4f, max %.4f)\n", variant_label(c.config).c_str(),
                setting(c.config).c_str(), c.runs, c.mean, c.sd, c.min, c.max);
  for (const PairSummary& p : summarise_pairs(runs))
    std::printf("  %-16s %s ahead of regular in %d/%d seeds\n", setting(p.config).c_str(), variant_label(p.config).c_str(),
                p.ahead, p.pairs);
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_options(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "wn-train: %s\n", parsed.message().c_str());
    return kExitUsage;
  }
  const CliOptions& o = parsed.value();
  if (o.help || o.version) {
    std::fputs(o.help ? usage().c_str() : "wn-train " WN_VERSION "\n", stdout);
    return kExitOk;
  }
  const int threads = o.threads.value_or(ThreadPool::hardware_threads());
  std::vector<RunConfig> grid = expand_grid(o, threads);
  if (!o.load_weights.empty()) {
    Status s = load_initial_weights(o.load_weights, grid);
    if (!s) {
      std::fprintf(stderr, "wn-train: %s\n", s.message().c_str());
      return kExitFailure;
    }
  }
  const bool tty = isatty(fileno(stdout));
  std::vector<std::string> outputs{o.json, o.diagnostics};
  if (!o.save_weights.empty())
    for (const RunConfig& c : grid) outputs.push_back(weights_path(o.save_weights, c));
  for (const std::string& path : outputs) {
    if (path.empty()) continue;
    Status s = check_output_path(path);
    if (!s) {
      std::fprintf(stderr, "wn-train: %s\n", s.message().c_str());
      return kExitFailure;
    }
  }

  // Refuse what cannot fit before loading anything: the dataset and the largest run's trainer.
  const std::size_t physical = std::size_t(sysconf(_SC_PHYS_PAGES)) * std::size_t(sysconf(_SC_PAGE_SIZE));
  std::size_t trainer_bytes = 0;
  for (const RunConfig& c : grid) trainer_bytes = std::max(trainer_bytes, Run::memory_bytes(c));
  const std::size_t need = cifar_memory_bytes({o.train_samples, o.test_samples}) + trainer_bytes;
  if (physical > 0 && need > physical) {
    std::fprintf(stderr, "wn-train: these sizes need about %zu MB, more than this machine's %zu MB of memory\n",
                 need >> 20, physical >> 20);
    return kExitFailure;
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

  // Diagnostics are appended line by line as they come, so an interrupted run keeps them.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> diagnostics(nullptr, std::fclose);
  if (!o.diagnostics.empty()) {
    diagnostics.reset(std::fopen(o.diagnostics.c_str(), "w"));
    if (!diagnostics) {
      std::fprintf(stderr, "wn-train: cannot write %s: %s\n", o.diagnostics.c_str(), std::strerror(errno));
      return kExitFailure;
    }
  }

  std::vector<RunOutcome> outcomes;
  std::vector<std::string> records;
  int status = kExitOk;
  const auto save = [&]() -> Status {
    return o.json.empty() ? Status() : write_output_file(o.json, history_json("wn-train " WN_VERSION, options_json(o, threads), records));
  };
  for (std::size_t i = 0; i < grid.size(); ++i) {
    auto created = Run::create(grid[i], train, test);
    if (!created) {
      std::fprintf(stderr, "wn-train: %s\n", created.message().c_str());
      return kExitFailure;
    }
    Run& run = *created.value();
    if (!o.quiet) {
      if (grid.size() > 1) std::printf("\n%s\n", run_label(grid[i], i, grid.size()).c_str());
      std::printf("\n%s  softmax: fused into the categorical cross-entropy (the last Dense gives logits)\n%s\n",
                  run.model().summary().c_str(), run.optimizer().describe().c_str());
    }
    for (const std::string& w : run_warnings(run.config())) std::fprintf(stderr, "wn-train: warning: %s\n", w.c_str());
    records.push_back(run_json(run.config(), run.history()));
    for (;;) {
      const FitEvent e = run.loop().advance();
      if (e.kind == FitEvent::Kind::progress && !o.quiet && tty) {
        std::printf("\rEpoch %d/%d %d/%d %s - %s - loss: %.4f - accuracy: %.4f", e.epoch, e.epochs, e.step, e.steps,
                    bar(e.step, e.steps).c_str(), timing(e.seconds, e.ms_per_step).c_str(), e.loss, e.accuracy);
        std::fflush(stdout);
      }
      if (e.kind == FitEvent::Kind::diagnostics && diagnostics) {
        std::fprintf(diagnostics.get(), "%s\n", diagnostics_json(e.diagnostics, run.config()).c_str());
        std::fflush(diagnostics.get());
      }
      if (e.kind == FitEvent::Kind::epoch) {
        const EpochLog& l = e.log;
        if (!o.quiet)
          std::printf("%sEpoch %d/%d %d/%d - %s - loss: %.4f - accuracy: %.4f - val_loss: %.4f - val_accuracy: %.4f\n",
                      tty ? "\r\033[K" : "", l.epoch, e.epochs, e.steps, e.steps, timing(l.seconds, e.ms_per_step).c_str(),
                      l.loss, l.accuracy, l.val_loss, l.val_accuracy);
        std::fflush(stdout);
        records.back() = run_json(run.config(), run.history());
        if (Status s = save(); !s) std::fprintf(stderr, "wn-train: %s\n", s.message().c_str());
      }
      if (e.kind == FitEvent::Kind::diverged) {
        std::fprintf(stderr, "%swn-train: %s: %s\n", tty ? "\n" : "", preset_name(grid[i].model), e.message.c_str());
        status = kExitDiverged;
      }
      if (e.kind == FitEvent::Kind::done || e.kind == FitEvent::Kind::diverged) break;
    }
    records.back() = run_json(run.config(), run.history());
    outcomes.push_back({run.config(), run.history()});
    if (!o.save_weights.empty()) {
      const std::string path = weights_path(o.save_weights, run.config());
      auto bytes = npz_encode(export_weights(run.model()));
      Status s = bytes ? write_output_file(path, bytes.value()) : bytes.status();
      if (!s) {
        std::fprintf(stderr, "wn-train: %s\n", s.message().c_str());
        return kExitFailure;
      }
      if (!o.quiet) std::printf("Saved the weights to %s\n", path.c_str());
    }
  }

  print_summary(outcomes, o.seeds.size() > 1 || o.sweeps.size() > 1 || o.sweeps[0].learning_rates.size() > 1);
  if (Status s = save(); !s) {
    std::fprintf(stderr, "wn-train: %s\n", s.message().c_str());
    return kExitFailure;
  }
  return status;
}
