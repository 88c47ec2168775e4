#include "fit_loop.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "../loss.hpp"

namespace wn {

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }
}  // namespace

std::string divergence(const BatchResult& batch, int classes) {
  const double loss = batch.loss();
  if (std::isnan(loss)) return "loss is nan";
  if (std::isinf(loss)) return "loss is inf";
  const double bound = kDivergenceFactor * std::log(double(classes));
  if (loss <= bound) return "";
  char buf[96];
  std::snprintf(buf, sizeof buf, "loss %.3g exceeds %.0f, %.0fx that of a uniform guess", loss, bound, kDivergenceFactor);
  return buf;
}

const char* event_name(FitEvent::Kind kind) {
  switch (kind) {
    case FitEvent::Kind::none: return "none";
    case FitEvent::Kind::progress: return "progress";
    case FitEvent::Kind::epoch: return "epoch";
    case FitEvent::Kind::diverged: return "diverged";
    case FitEvent::Kind::done: return "done";
    case FitEvent::Kind::diagnostics: return "diagnostics";
  }
  return "?";
}

FitLoop::FitLoop(Trainer& trainer, const ImageSource& train, const ImageSource& test, FitOptions options)
    : trainer_(trainer),
      train_(train),
      test_(test),
      options_(options),
      order_rng_(options.seed, /*stream=*/2),
      test_order_(std::size_t(test.size())),
      batch_(trainer.batch_size()),
      logits_(std::size_t(trainer.batch_size()) * trainer.model().classes()),
      steps_((train.size() + trainer.batch_size() - 1) / trainer.batch_size()) {  // the last partial batch is kept
  std::iota(test_order_.begin(), test_order_.end(), 0u);
  if (options_.epochs == 0) {  // evaluation only: validate once, as epoch 0
    phase_ = Phase::validate;
    epoch_ = 0;
  } else if (options_.epochs < 0 || steps_ == 0) {
    phase_ = Phase::finished;
  }
}

FitEvent FitLoop::event(FitEvent::Kind kind) const {
  FitEvent e;
  e.kind = kind;
  e.epoch = epoch_;
  e.epochs = options_.epochs;
  e.step = step_;
  e.steps = steps_;
  e.loss = metrics_.loss();
  e.accuracy = metrics_.accuracy();
  e.seconds = epoch_ms_ / 1000.0;
  e.ms_per_step = train_steps_ ? train_ms_ / double(train_steps_) : 0.0;
  e.samples_per_s = train_ms_ > 0 ? 1000.0 * double(train_samples_) / train_ms_ : 0.0;
  return e;
}

FitEvent FitLoop::advance(int max_batches) {
  for (int b = 0; b < max_batches && !finished(); ++b) {
    if (phase_ == Phase::train && !begun_) begin_epoch();
    if (pending_) {
      FitEvent e = event(FitEvent::Kind::diagnostics);
      e.diagnostics = std::move(*pending_);
      pending_.reset();
      return e;
    }
    FitEvent e = phase_ == Phase::train ? train_step() : validate_step();
    if (e.kind != FitEvent::Kind::none) return e;
  }
  if (!finished()) return event(FitEvent::Kind::none);
  FitEvent e = event(history_.stopped.empty() ? FitEvent::Kind::done : FitEvent::Kind::diverged);
  e.epoch = std::min(epoch_, options_.epochs);
  e.message = history_.stopped;
  return e;
}

void FitLoop::begin_epoch() {
  const auto t0 = Clock::now();
  // Keras shuffles the training set afresh each epoch.
  order_.resize(std::size_t(train_.size()));
  std::iota(order_.begin(), order_.end(), 0u);
  order_rng_.shuffle(order_);
  metrics_ = {};
  epoch_ms_ = 0;
  begun_ = true;
  Model& model = trainer_.model();
  if (epoch_ == 1 && (model.wants_data_init() || options_.diagnostics)) {
    // Weight norm's data init on the first images of the first epoch's order (one batch: TFA).
    const int n = std::min(options_.init_samples.value_or(trainer_.batch_size()), train_.size());
    Batch init(n);
    init.stage(train_, order_.data(), n);
    trainer_.initialise(init.x(), n);
    if (options_.diagnostics) {
      const auto d0 = Clock::now();
      model.prepare();
      pending_ = diagnostics_.first(model, init.x(), n);
      diagnostics_ms_ += ms_since(d0);
    }
  }
  epoch_ms_ += ms_since(t0);
}

void FitLoop::sample_diagnostics() {
  if (!options_.diagnostics) return;
  const auto t0 = Clock::now();
  pending_ = diagnostics_.sample(trainer_.model(), epoch_, step_);
  diagnostics_ms_ += ms_since(t0);
}

FitEvent FitLoop::train_step() {
  const auto t0 = Clock::now();
  const int B = trainer_.batch_size();
  const int n = std::min(B, train_.size() - step_ * B);
  batch_.stage(train_, order_.data() + std::size_t(step_) * B, n);
  const BatchResult b = trainer_.train_batch(batch_.x(), batch_.labels(), n);
  ++step_;
  metrics_.add(b);
  const double ms = ms_since(t0);
  epoch_ms_ += ms, train_ms_ += ms, ++train_steps_, train_samples_ += n;

  const std::string why = divergence(b, trainer_.model().classes());
  if (!why.empty()) {
    history_.stopped = "training diverged at epoch " + std::to_string(epoch_) + " step " + std::to_string(step_) + " (" + why + ")";
    history_.ms_per_step = train_ms_ / double(train_steps_);
    phase_ = Phase::finished;
    FitEvent e = event(FitEvent::Kind::diverged);
    e.message = history_.stopped;
    return e;
  }
  const bool last = step_ == steps_;
  if (last) {
    phase_ = Phase::validate;
    val_at_ = 0;
    val_ = {};
    val_batch_stats_ = {};
    tally_ = {};
  }
  if (!last && step_ % options_.progress_every != 0) return event(FitEvent::Kind::none);
  sample_diagnostics();
  return event(FitEvent::Kind::progress);
}

FitEvent FitLoop::validate_step() {
  const auto t0 = Clock::now();
  const int B = trainer_.batch_size(), classes = trainer_.model().classes();
  const int n = std::min(B, test_.size() - val_at_);
  if (n > 0) {
    batch_.stage(test_, test_order_.data() + val_at_, n);
    val_.add(trainer_.eval_batch(batch_.x(), batch_.labels(), n, logits_.data()));
    if (options_.batch_stat_validation) val_batch_stats_.add(trainer_.eval_batch_stats(batch_.x(), batch_.labels(), n));
    tally_.add(logits_.data(), batch_.labels(), n, classes);
    val_at_ += n;
  }
  epoch_ms_ += ms_since(t0);
  if (val_at_ < test_.size()) return event(FitEvent::Kind::none);

  FitEvent e = event(FitEvent::Kind::epoch);
  // An evaluation-only run has no training metrics: NaN, written as null.
  const double untrained = std::nan("");
  e.log = {epoch_, epoch_ms_ / 1000.0, epoch_ ? metrics_.loss() : untrained, epoch_ ? metrics_.accuracy() : untrained,
           val_.loss(), val_.accuracy()};
  if (options_.batch_stat_validation) e.log.val_accuracy_batch_stats = val_batch_stats_.accuracy();
  predictions_ = std::move(tally_.predictions);
  history_.epochs.push_back(e.log);
  history_.ms_per_step = e.ms_per_step;
  history_.confusion = tally_.confusion;
  step_ = 0;
  begun_ = false;
  phase_ = ++epoch_ > options_.epochs ? Phase::finished : Phase::train;
  return e;
}

}  // namespace wn
