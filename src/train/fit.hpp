#pragma once
// The epoch loop over in-memory datasets, as Keras' model.fit with validation_data.
// The web worker drives the same Trainer calls from JavaScript (web/trainer.worker.js).
#include <functional>
#include <string>
#include <vector>

#include "../data/dataset.hpp"
#include "trainer.hpp"

namespace wn {

struct EpochLog {
  int epoch = 0;  // 1-based
  double seconds = 0, loss = 0, accuracy = 0, val_loss = 0, val_accuracy = 0;
};

struct History {
  std::vector<EpochLog> epochs;
  double ms_per_step = 0;  // training steps only, averaged over the run
  std::string stopped;     // why training ended early; empty when all epochs ran
};

struct Progress {
  int epoch, epochs, step, steps;
  double loss, accuracy, seconds;
};

struct FitCallbacks {
  std::function<void(const Progress&)> on_progress;  // every `progress_every` steps and at epoch end
  std::function<void(const EpochLog&)> on_epoch;
  int progress_every = 25;
};

// Copies the batch `order[begin, begin+n)` of `data` into contiguous staging buffers.
void gather(const Dataset& data, const std::uint32_t* order, int n, std::uint8_t* images,
            std::uint8_t* labels);

// Loss and accuracy over a whole dataset, in batches of the trainer's size.
BatchResult evaluate(Trainer& trainer, const Dataset& data);

// Trains `epochs` epochs, validating on `test` after each. Stops early, with
// History::stopped set, when a batch shows divergence (see divergence() in trainer.hpp).
History fit(Trainer& trainer, const Dataset& train, const Dataset& test, int epochs,
            const FitCallbacks& callbacks);

}  // namespace wn
