#pragma once
// Keras' model.fit with validation_data, as one resumable loop: the data order, batches,
// running metrics, progress every few steps, validation after each epoch, divergence, timing
// and the history. wn-train runs it to the end (src/cli/main.cpp); the browser worker runs it
// in slices through src/wasm/bindings.cpp and yields to its message loop between them, so
// Pause and Stop stay responsive. Both see the same events, in the same order.
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "../data/dataset.hpp"
#include "../predict.hpp"
#include "../rng.hpp"
#include "batch.hpp"
#include "diagnostics.hpp"
#include "trainer.hpp"

namespace wn {

struct EpochLog {
  int epoch = 0;  // 1-based
  double seconds = 0;  // busy time of the epoch: its training steps and its validation
  double loss = 0, accuracy = 0, val_loss = 0, val_accuracy = 0;
  // Batch norm's validation accuracy with batch statistics: the test set in batches of the run's
  // batch size, each normalised by its own mean and variance as in training, instead of the moving
  // averages (FitOptions::batch_stat_validation). Their difference is batch norm's train/evaluation
  // gap: lagging moving averages early on (Ioffe & Szegedy 2015, §3.1), noisy small-batch statistics
  // (Ioffe 2017, Batch Renormalization).
  std::optional<double> val_accuracy_batch_stats = std::nullopt;
};

struct History {
  std::vector<EpochLog> epochs;
  double ms_per_step = 0;   // see FitEvent::ms_per_step
  std::string stopped;      // why training ended early; empty when it did not
  ConfusionMatrix confusion{};  // of the last validation
};

// Keras' running epoch metrics: sample-weighted means over the batches seen so far.
struct RunningMetrics {
  double loss_sum = 0;
  long correct = 0, count = 0;
  void add(const BatchResult& b) {
    loss_sum += b.loss_sum;
    correct += b.correct;
    count += b.count;
  }
  double loss() const { return count ? loss_sum / double(count) : 0.0; }
  double accuracy() const { return count ? double(correct) / double(count) : 0.0; }
};

// Why a training batch means the run has diverged, or "" if it has not: a NaN or infinite
// loss (Keras' TerminateOnNaN), or a mean loss above kDivergenceFactor × ln(classes), the
// loss of a uniform guess. A learning rate far too large (lr = 10 with Adam) drives the loss
// to 1e10 and then kills every ReLU, never producing a NaN; the bound catches it.
constexpr double kDivergenceFactor = 100;
std::string divergence(const BatchResult& batch, int classes);

struct FitOptions {
  int epochs = 10;  // 0: evaluate once, train nothing (an epoch record 0 with validation only)
  int progress_every = 25;  // training steps between progress events (and one at each epoch's end)
  std::uint64_t seed = 0;   // the data order: every model of one seed sees the same batches
  // Images weight norm's data init sees, the first of epoch 1's order; by default one batch,
  // as TFA (the paper used 500). Step 0's diagnostics see the same images.
  std::optional<int> init_samples;
  bool diagnostics = false;  // per-layer diagnostics at step 0 and after every progress event
  // Validate a second time with batch statistics (EpochLog::val_accuracy_batch_stats): batch norm.
  bool batch_stat_validation = false;
};

struct FitEvent {
  enum class Kind {
    none,      // the slice ended before anything happened
    progress,  // every progress_every training steps and at the end of each epoch's training
    epoch,     // an epoch and its validation are done: `log` holds its record
    diverged,  // the run stopped: `message` says where and why
    done,      // every epoch ran
    diagnostics,  // per-layer diagnostics: `diagnostics` holds them (FitOptions::diagnostics)
  };
  Kind kind = Kind::none;
  int epoch = 0, epochs = 0, step = 0, steps = 0;
  double loss = 0, accuracy = 0;  // running means over this epoch's training so far
  double seconds = 0;             // busy time in this epoch so far
  // The one definition of speed: busy time per training step over the run so far. Busy time is
  // spent inside advance() staging, training and validating; what happens between calls
  // (printing, posting messages, a pause) never counts. ms_per_step counts training steps only.
  double ms_per_step = 0;
  double samples_per_s = 0;  // training samples per busy second, over the run so far
  EpochLog log;
  std::string message;
  DiagnosticsRecord diagnostics;
};

const char* event_name(FitEvent::Kind kind);

class FitLoop {
 public:
  FitLoop(Trainer& trainer, const ImageSource& train, const ImageSource& test, FitOptions options);

  // Works through at most max_batches batches, training or validation, and returns at the first
  // event; Kind::none if the slice ran out first. Once finished(), returns done (or diverged) again.
  FitEvent advance(int max_batches = std::numeric_limits<int>::max());

  bool finished() const { return phase_ == Phase::finished && !pending_; }
  const History& history() const { return history_; }
  int steps_per_epoch() const { return steps_; }
  // The first kInspectSamples test images as the last validation saw them.
  const std::vector<Prediction>& predictions() const { return predictions_; }
  // Time spent sampling diagnostics, in ms: outside ms_per_step, reported by the bench.
  double diagnostics_ms() const { return diagnostics_ms_; }

 private:
  enum class Phase { train, validate, finished };
  FitEvent event(FitEvent::Kind kind) const;
  FitEvent train_step();
  FitEvent validate_step();
  void begin_epoch();
  void sample_diagnostics();

  Trainer& trainer_;
  const ImageSource& train_;
  const ImageSource& test_;
  FitOptions options_;
  Rng order_rng_;
  std::vector<std::uint32_t> order_, test_order_;
  Batch batch_;
  Floats logits_;
  int steps_;

  Phase phase_ = Phase::train;
  int epoch_ = 1, step_ = 0, val_at_ = 0;
  RunningMetrics metrics_, val_, val_batch_stats_;
  Tally tally_;  // of the validation under way
  double epoch_ms_ = 0, train_ms_ = 0, diagnostics_ms_ = 0;
  long train_steps_ = 0, train_samples_ = 0;
  bool begun_ = false;  // this epoch's order is drawn
  Diagnostics diagnostics_;
  std::optional<DiagnosticsRecord> pending_;  // sampled, not yet returned
  std::vector<Prediction> predictions_;
  History history_;
};

}  // namespace wn
