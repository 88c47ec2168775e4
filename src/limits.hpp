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
constexpr int kMaxBatchSizes = 10;  // a batch-size list (--batch-size 2,4,8,32)
constexpr long kMaxSeed = 2147483647L;
// Learning rates well outside what either optimiser can use are typing errors (1e39, 0).
constexpr double kMinLearningRate = 1e-9, kMaxLearningRate = 100;
// Architectures (architecture.hpp): a spec's length in characters and its layers, the channels or
// units of one layer, a kernel's or a pool's size, and the width multiplier of the presets.
constexpr int kMaxArchitectureChars = 1000;
constexpr int kMaxLayers = 100;
constexpr int kMaxUnits = 4096;
constexpr int kMaxKernel = 32;  // CIFAR-10's images are 32 × 32
constexpr double kMinWidth = 1.0 / 96, kMaxWidth = 4;
// A model's trainable parameters (Adam keeps three more floats per parameter: ~400 MB at this
// bound), and one layer's output values per image (a trainer keeps them per image of a batch).
constexpr long kMaxParams = 25'000'000L;
constexpr long kMaxActivations = 1L << 20;

}  // namespace wn::limits
