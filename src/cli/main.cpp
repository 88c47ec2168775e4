// wn-train: trains the tutorial's nets natively and prints Keras-style epoch lines.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "../data/cifar.hpp"
#include "../kernels/simd.hpp"
#include "../train/fit.hpp"
#include "options.hpp"

namespace {

using namespace wn;

struct Run {
  std::string model;
  History history;
};

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// Keras prints "5s 3ms/step" with whole units.
std::string timing(double seconds, int steps) {
  return fixed(seconds, 0) + "s " + fixed(1000.0 * seconds / std::max(steps, 1), 0) + "ms/step";
}

std::string bar(int step, int steps) {
  const int width = 30, done = steps ? width * step / steps : width;
  std::string b = "[" + std::string(std::max(done - 1, 0), '=') + (done < width ? ">" : "=");
  return b + std::string(width - done, '.') + "]";
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string json_number(double v) { return std::isfinite(v) ? fixed(v, 6) : "null"; }

std::string to_json(const CliOptions& o, const std::vector<Run>& runs, int threads) {
  std::string j = "{\n  \"tool\": \"wn-train\",\n  \"options\": {\"data\": \"" + json_escape(o.data) +
                  "\", \"epochs\": " + std::to_string(o.epochs) + ", \"batch_size\": " + std::to_string(o.batch_size) +
                  ", \"optimizer\": \"" + (o.optimizer == OptimizerKind::adam ? "adam" : "sgd") +
                  "\", \"learning_rate\": " + json_number(o.learning_rate) +
                  ", \"train_samples\": " + std::to_string(o.train_samples) +
                  ", \"test_samples\": " + std::to_string(o.test_samples) + ", \"seed\": " + std::to_string(o.seed) +
                  ", \"threads\": " + std::to_string(threads) + ", \"wn_init\": \"" + wn_init_name(o.wn_init) +
                  "\", \"simd\": \"" + simd::name() + "\"},\n  \"runs\": [";
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const Run& run = runs[r];
    j += std::string(r ? "," : "") + "\n    {\"model\": \"" + run.model + "\", \"seed\": " + std::to_string(o.seed) +
         ", \"ms_per_step\": " + json_number(run.history.ms_per_step) + ", \"stopped\": " +
         (run.history.stopped.empty() ? "null" : "\"" + json_escape(run.history.stopped) + "\"") + ", \"history\": [";
    for (std::size_t e = 0; e < run.history.epochs.size(); ++e) {
      const EpochLog& l = run.history.epochs[e];
      j += std::string(e ? "," : "") + "\n      {\"epoch\": " + std::to_string(l.epoch) +
           ", \"seconds\": " + json_number(l.seconds) + ", \"loss\": " + json_number(l.loss) +
           ", \"accuracy\": " + json_number(l.accuracy) + ", \"val_loss\": " + json_number(l.val_loss) +
           ", \"val_accuracy\": " + json_number(l.val_accuracy) + "}";
    }
    j += "]}";
  }
  return j + "\n  ]\n}\n";
}

// Written to a temporary name and renamed, so a crash never leaves half a file.
bool write_json(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return (std::fclose(f) == 0) && ok && std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_options(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "wn-train: %s\n", parsed.message().c_str());
    return 2;
  }
  const CliOptions& o = parsed.value();
  if (o.help) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  const int threads = o.threads > 0 ? o.threads : ThreadPool::hardware_threads();
  const bool tty = isatty(fileno(stdout));

  // Refuse what cannot fit before loading anything.
  const std::size_t physical = std::size_t(sysconf(_SC_PHYS_PAGES)) * std::size_t(sysconf(_SC_PAGE_SIZE));
  if (auto probe = Model::build(preset(Preset::weightnorm, o.wn_init), o.seed)) {
    const std::size_t need = cifar_memory_bytes({o.train_samples, o.test_samples}) +
                             Trainer::memory_bytes(*probe.value(), {o.batch_size, threads, o.seed});
    if (physical > 0 && need > physical) {
      std::fprintf(stderr, "wn-train: these sizes need about %zu MB, more than this machine's %zu MB of memory\n",
                   need >> 20, physical >> 20);
      return 1;
    }
  }

  auto data = load_cifar(o.data, {o.train_samples, o.test_samples});
  if (!data) {
    std::fprintf(stderr, "wn-train: %s\n", data.message().c_str());
    return 1;
  }
  const Dataset& train = data->train;
  const Dataset& test = data->test;
  if (!o.quiet)
    std::printf("Loaded %d training and %d test images from %s; %d thread(s), SIMD: %s\n", train.size(),
                test.size(), o.data.c_str(), threads, simd::name());

  std::vector<Run> runs;
  int status = 0;
  for (Preset p : o.models) {
    auto model = Model::build(preset(p, o.wn_init), o.seed);
    if (!model) {
      std::fprintf(stderr, "wn-train: %s\n", model.message().c_str());
      return 1;
    }
    auto optimizer = o.optimizer == OptimizerKind::adam
                         ? make_adam({o.learning_rate})
                         : make_sgd({o.learning_rate, o.momentum});
    Trainer trainer(*model.value(), *optimizer, {o.batch_size, threads, o.seed});
    if (!o.quiet) std::printf("\n%s%s\n", model.value()->summary().c_str(), optimizer->describe().c_str());
    runs.push_back({preset_name(p), {}});

    FitCallbacks cb;
    cb.on_progress = [&](const Progress& pr) {
      if (o.quiet || !tty) return;
      std::printf("\rEpoch %d/%d %d/%d %s - %s - loss: %.4f - accuracy: %.4f", pr.epoch, pr.epochs, pr.step,
                  pr.steps, bar(pr.step, pr.steps).c_str(), timing(pr.seconds, pr.step).c_str(), pr.loss,
                  pr.accuracy);
      std::fflush(stdout);
    };
    cb.on_epoch = [&](const EpochLog& l) {
      runs.back().history.epochs.push_back(l);
      const int steps = (train.size() + o.batch_size - 1) / o.batch_size;
      if (!o.quiet)
        std::printf("%sEpoch %d/%d %d/%d - %s - loss: %.4f - accuracy: %.4f - val_loss: %.4f - val_accuracy: %.4f\n",
                    tty ? "\r\033[K" : "", l.epoch, o.epochs, steps, steps, timing(l.seconds, steps).c_str(), l.loss,
                    l.accuracy, l.val_loss, l.val_accuracy);
      std::fflush(stdout);
      if (!o.json.empty()) write_json(o.json, to_json(o, runs, threads));
    };
    History h = fit(trainer, train, test, o.epochs, cb);
    runs.back().history = h;
    if (!h.stopped.empty()) {
      std::fprintf(stderr, "%swn-train: %s: %s\n", tty ? "\n" : "", preset_name(p), h.stopped.c_str());
      status = 3;
    }
  }

  std::printf("\n");
  for (const Run& r : runs)
    if (!r.history.epochs.empty())
      std::printf("%-10s test accuracy after %zu epoch(s): %.4f (%.2f ms/step)\n", r.model.c_str(),
                  r.history.epochs.size(), r.history.epochs.back().val_accuracy, r.history.ms_per_step);
  if (!o.json.empty() && !write_json(o.json, to_json(o, runs, threads))) {
    std::fprintf(stderr, "wn-train: cannot write %s\n", o.json.c_str());
    return 1;
  }
  return status;
}
