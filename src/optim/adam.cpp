// Adam (Kingma & Ba 2015) in tf.keras' formulation: the bias correction is folded
// into the step size, lr_t = lr·√(1−β2^t)/(1−β1^t), and ε is added to √v̂ without
// correction: θ −= lr_t·m/(√v+ε).
#include <cmath>
#include <vector>

#include "optimizer.hpp"

namespace wn {
namespace {

class Adam final : public Optimizer {
 public:
  explicit Adam(AdamOptions o) : o_(o) {}
  std::string describe() const override {
    return "Adam(lr=" + hyperparameter(o_.learning_rate) + ", beta_1=" + hyperparameter(o_.beta_1) +
           ", beta_2=" + hyperparameter(o_.beta_2) + ", epsilon=" + hyperparameter(o_.epsilon) + ")";
  }
  void step(float* params, const float* grads, std::size_t count) override {
    if (m_.size() != count) {
      m_.assign(count, 0.0f);
      v_.assign(count, 0.0f);
    }
    ++t_;
    const double b1t = std::pow(double(o_.beta_1), double(t_));
    const double b2t = std::pow(double(o_.beta_2), double(t_));
    const float lr_t = float(o_.learning_rate * std::sqrt(1.0 - b2t) / (1.0 - b1t));
    const float b1 = o_.beta_1, b2 = o_.beta_2, eps = o_.epsilon;
    for (std::size_t i = 0; i < count; ++i) {
      const float g = grads[i];
      m_[i] = b1 * m_[i] + (1.0f - b1) * g;
      v_[i] = b2 * v_[i] + (1.0f - b2) * g * g;
      params[i] -= lr_t * m_[i] / (std::sqrt(v_[i]) + eps);
    }
  }

 private:
  AdamOptions o_;
  std::vector<float> m_, v_;
  long t_ = 0;
};

}  // namespace

std::unique_ptr<Optimizer> make_adam(AdamOptions options) { return std::make_unique<Adam>(options); }

}  // namespace wn
