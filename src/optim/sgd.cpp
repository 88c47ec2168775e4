// SGD with optional momentum, Keras' form: velocity = μ·velocity − lr·g; θ += velocity.
#include <vector>

#include "optimizer.hpp"

namespace wn {
namespace {

class Sgd final : public Optimizer {
 public:
  explicit Sgd(SgdOptions o) : o_(o) {}
  std::string describe() const override {
    return "SGD(lr=" + hyperparameter(o_.learning_rate) + ", momentum=" + hyperparameter(o_.momentum) + ")";
  }
  void step(float* params, const float* grads, std::size_t count) override {
    if (velocity_.size() != count) velocity_.assign(count, 0.0f);
    for (std::size_t i = 0; i < count; ++i) {
      velocity_[i] = o_.momentum * velocity_[i] - o_.learning_rate * grads[i];
      params[i] += velocity_[i];
    }
  }

 private:
  SgdOptions o_;
  std::vector<float> velocity_;
};

}  // namespace

std::unique_ptr<Optimizer> make_sgd(SgdOptions options) { return std::make_unique<Sgd>(options); }

}  // namespace wn
