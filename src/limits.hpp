#pragma once
// The bounds every front end enforces, defined once: the settings table (src/config/settings.cpp)
// gives them to its settings, which wn-train's flags and the module's run JSON are checked by, and
// the catalog (src/config/catalog.cpp) hands them to the page.
#include "data/dataset.hpp"

namespace wn::limits {

constexpr int kMaxTrain = 50000;  // CIFAR-10's training images
constexpr int kMaxTest = 10000;   // and its test images
// A batch's per-thread buffers grow with it: 1024 keeps a trainer well inside the WebAssembly
// module's 1 GiB with the full dataset loaded.
constexpr int kMaxBatch = 1024;
constexpr int kMaxThreads = 64;
constexpr int kMaxEpochs = 1000;
constexpr int kMaxSeeds = 100;  // runs of one grid, per axis
constexpr int kMaxLearningRates = 20;
constexpr long kMaxSeed = 2147483647L;
// Learning rates well outside what either optimiser can use are typing errors (1e39, 0).
constexpr double kMinLearningRate = 1e-9, kMaxLearningRate = 100;

}  // namespace wn::limits
