#pragma once
// wn-train's command line, parsed into values once at the edge of the program.
#include <cstdint>
#include <string>
#include <vector>

#include "../layers/weight_norm.hpp"
#include "../model.hpp"
#include "../status.hpp"

namespace wn {

enum class OptimizerKind { adam, sgd };

struct CliOptions {
  std::string data = "data/cifar-10-binary.tar.gz";
  std::vector<Preset> models{Preset::regular, Preset::weightnorm};
  int epochs = 10;
  int batch_size = 32;
  OptimizerKind optimizer = OptimizerKind::adam;
  float learning_rate = 1e-3f;
  float momentum = 0.0f;  // SGD only
  int train_samples = 50000;
  int test_samples = 10000;
  std::uint64_t seed = 0;
  int threads = 0;  // 0: all cores
  WnInit wn_init = WnInit::tfa;
  std::string json;
  bool quiet = false;
  bool help = false;
};

Result<CliOptions> parse_options(int argc, const char* const* argv);
std::string usage();

}  // namespace wn
