#pragma once
// Runs for tests that train: a RunConfig with the tests' defaults, driven to the end.
#include <cstdint>
#include <numeric>
#include <vector>

#include "data/dataset.hpp"
#include "gradcheck.hpp"
#include "optim/optimizer.hpp"
#include "rng.hpp"
#include "train/batch.hpp"
#include "train/run.hpp"
#include "train/trainer.hpp"

namespace wn::test {

inline RunConfig config(ModelKind p, int threads = 1, std::uint64_t seed = 1, int epochs = 1, float lr = 1e-3f,
                        WnInit init = WnInit::tfa) {
  RunConfig c;
  c.model = p, c.threads = threads, c.seed = seed, c.epochs = epochs, c.learning_rate = lr, c.wn_init = init;
  return c;
}

inline std::unique_ptr<Run> make_run(const RunConfig& c, const ImageSource& train, const ImageSource& test) {
  return std::move(Run::create(c, train, test).value());
}

// Runs the loop to its end in one call, as wn-train does.
inline History fit(const RunConfig& c, const ImageSource& train, const ImageSource& test) {
  auto run = make_run(c, train, test);
  while (!run->loop().finished()) run->loop().advance();
  return run->history();
}

// The first n samples of data, staged as the fit loop stages a batch (x/255).
inline Batch first_batch(const ImageSource& data, int n) {
  std::vector<std::uint32_t> index(static_cast<std::size_t>(n));
  std::iota(index.begin(), index.end(), 0u);
  Batch batch(n);
  batch.stage(data, index.data(), n);
  return batch;
}

// A learnable synthetic set: the class is which quadrant of the image is brightest.
inline Dataset quadrants(int n, std::uint64_t seed) {
  Dataset d;
  Rng rng(seed);
  d.images.resize(std::size_t(n) * Dataset::kImageBytes);
  for (int i = 0; i < n; ++i) {
    const int q = int(rng.below(4));
    d.labels.push_back(std::uint8_t(q));
    std::uint8_t* img = d.images.data() + std::size_t(i) * Dataset::kImageBytes;
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x)
        for (int c = 0; c < 3; ++c) {
          const bool lit = (y / 16) * 2 + (x / 16) == q;
          img[(y * 32 + x) * 3 + c] = std::uint8_t(rng.below(lit ? 256 : 96));
        }
  }
  return d;
}

// One SGD step of kind's LeNet on the first n of 32 random images, on 1, 2 and 3 threads (3 splits
// 32 unevenly; n = 2 on 3 threads leaves a thread without samples): the gradients and the state
// after it, and the threads the trainer ran, per thread count. A layer with whole-batch statistics
// gives the same on each.
struct StepOnThreads {
  Floats grads[3], state[3];
  int threads[3] = {};
};
inline StepOnThreads step_on_threads(ModelKind kind, int n) {
  Rng rng(12);
  const std::vector<float> x = random_vector(32 * 3072, rng, 0, 1);
  std::vector<std::uint8_t> labels(32);
  for (auto& l : labels) l = std::uint8_t(rng.below(10));
  StepOnThreads out;
  for (int threads : {1, 2, 3}) {
    auto model = std::move(Model::build(lenet(kind), 1).value());
    auto sgd = make_sgd({0.1f});
    Trainer trainer(*model, *sgd, {32, threads});
    out.threads[threads - 1] = trainer.threads();
    trainer.train_batch(x.data(), labels.data(), n);
    out.grads[threads - 1] = trainer.grads();
    out.state[threads - 1] = model->state();
  }
  return out;
}

}  // namespace wn::test
