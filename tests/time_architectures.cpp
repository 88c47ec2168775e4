// Time per training step of an architecture in several model kinds, printed, not asserted (run by hand):
//   build/tests/wn-time-arch [ARCH] [WIDTH] [THREADS] [STEPS]      (default convpool-c 0.25 2 20)
// Batch 32, Adam, random images; the median of STEPS steps after 3 warm-up steps. The full comparison with
// PyTorch is `npm run bench`'s; this is the quick look at what a model kind costs on one architecture.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "architecture.hpp"
#include "optim/optimizer.hpp"
#include "rng.hpp"
#include "train/trainer.hpp"

using namespace wn;

int main(int argc, char** argv) {
  const std::string arch = argc > 1 ? argv[1] : "convpool-c";
  const double width = argc > 2 ? std::atof(argv[2]) : 0.25;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2, steps = argc > 4 ? std::max(1, std::atoi(argv[4])) : 20;
  const int batch = 32;
  Rng rng(1);
  std::vector<float> x(std::size_t(batch) * 32 * 32 * 3);
  for (float& v : x) v = rng.uniform(0, 1);
  std::vector<std::uint8_t> labels(batch);
  for (auto& l : labels) l = std::uint8_t(rng.below(10));
  std::printf("%s, width %g, batch %d, %d threads, median of %d steps\n", arch.c_str(), width, batch, threads, steps);
  for (ModelKind kind : kModelKinds) {
    auto model = build_model(arch, width, kind, WnInit::tfa, 1);
    if (!model) {
      std::fprintf(stderr, "%s\n", model.message().c_str());
      return 2;
    }
    const ModelCost cost = model_cost(**model);
    auto adam = make_adam({});
    Trainer trainer(**model, *adam, {batch, threads});
    std::vector<double> ms;
    for (int s = 0; s < steps + 3; ++s) {
      const auto t0 = std::chrono::steady_clock::now();
      trainer.train_batch(x.data(), labels.data(), batch);
      const std::chrono::duration<double, std::milli> dt = std::chrono::steady_clock::now() - t0;
      if (s >= 3) ms.push_back(dt.count());
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms[ms.size() / 2];
    std::printf("  %-10s %8zu params  %7.2f MFLOPs/image (training)  %8.2f ms/step  %7.0f images/s  %5.2f GFLOP/s\n",
                model_kind_name(kind), cost.params, cost.train_flops / 1e6, median, batch * 1e3 / median,
                cost.train_flops * batch / median / 1e6);
  }
}
