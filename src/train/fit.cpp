#include "fit.hpp"

#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>

namespace wn {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}
}  // namespace

void gather(const Dataset& data, const std::uint32_t* order, int n, std::uint8_t* images,
            std::uint8_t* labels) {
  for (int i = 0; i < n; ++i) {
    std::memcpy(images + std::size_t(i) * Dataset::kImageBytes, data.image(int(order[i])), Dataset::kImageBytes);
    labels[i] = data.labels[order[i]];
  }
}

BatchResult evaluate(Trainer& trainer, const Dataset& data) {
  const int B = trainer.batch_size();
  BatchResult total;
  for (int i = 0; i < data.size(); i += B) {
    const int n = std::min(B, data.size() - i);
    BatchResult b = trainer.eval_batch(data.image(i), data.labels.data() + i, n);
    total.loss_sum += b.loss_sum;
    total.correct += b.correct;
    total.count += b.count;
  }
  return total;
}

History fit(Trainer& trainer, const Dataset& train, const Dataset& test, int epochs,
            const FitCallbacks& callbacks) {
  History history;
  const int B = trainer.batch_size();
  const int steps = (train.size() + B - 1) / B;  // the last partial batch is kept
  std::vector<std::uint8_t> images(std::size_t(B) * Dataset::kImageBytes), labels(B);
  double train_seconds = 0;
  long train_steps = 0;

  for (int epoch = 1; epoch <= epochs; ++epoch) {
    const auto t0 = Clock::now();
    const std::vector<std::uint32_t>& order = trainer.shuffle(train.size());
    RunningMetrics metrics;
    for (int step = 0; step < steps; ++step) {
      const int n = std::min(B, train.size() - step * B);
      gather(train, order.data() + std::size_t(step) * B, n, images.data(), labels.data());
      const BatchResult b = trainer.train_batch(images.data(), labels.data(), n);
      metrics.add(b);
      const std::string why = divergence(b, trainer.model().classes());
      if (!why.empty()) {
        history.stopped = "training diverged at epoch " + std::to_string(epoch) + " step " + std::to_string(step + 1) +
                          " (" + why + ")";
        break;
      }
      const bool last = step + 1 == steps;
      if (callbacks.on_progress && (last || (step + 1) % callbacks.progress_every == 0))
        callbacks.on_progress({epoch, epochs, step + 1, steps, metrics.loss(), metrics.accuracy(), seconds_since(t0)});
    }
    train_seconds += seconds_since(t0);
    train_steps += steps;
    if (!history.stopped.empty()) break;

    const BatchResult val = evaluate(trainer, test);
    EpochLog log{epoch, seconds_since(t0), metrics.loss(), metrics.accuracy(), val.loss(),
                 val.count ? double(val.correct) / val.count : 0.0};
    history.epochs.push_back(log);
    if (callbacks.on_epoch) callbacks.on_epoch(log);
  }
  history.ms_per_step = train_steps ? 1000.0 * train_seconds / double(train_steps) : 0.0;
  return history;
}

}  // namespace wn
