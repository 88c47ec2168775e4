#pragma once
// One interface for every optimiser: the training loop calls step() and never asks
// which one it holds. Parameters and gradients are flat vectors side by side.
#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>

namespace wn {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string describe() const = 0;
  // params −= update(grads); called once per batch, after gradients are complete.
  virtual void step(float* params, const float* grads, std::size_t count) = 0;
};

struct AdamOptions {
  float learning_rate = 1e-3f;
  float beta_1 = 0.9f;
  float beta_2 = 0.999f;
  float epsilon = 1e-7f;  // Keras' default (PyTorch uses 1e-8)
};

struct SgdOptions {
  float learning_rate = 1e-2f;
  float momentum = 0.0f;
};

// "0.001", "1e-07": how describe() prints settings.
inline std::string hyperparameter(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", double(v));
  return buf;
}

std::unique_ptr<Optimizer> make_adam(AdamOptions options);
std::unique_ptr<Optimizer> make_sgd(SgdOptions options);

}  // namespace wn
