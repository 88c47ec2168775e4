#include "loss.hpp"

#include <algorithm>
#include <cmath>

namespace wn {

LossSums softmax_cross_entropy(const float* logits, const std::uint8_t* labels, int n,
                               int classes, float grad_scale, float* dlogits) {
  LossSums sums;
  for (int i = 0; i < n; ++i) {
    const float* z = logits + std::size_t(i) * classes;
    int arg = 0;
    for (int c = 1; c < classes; ++c)
      if (z[c] > z[arg]) arg = c;
    const float zmax = z[arg];
    double denom = 0;
    for (int c = 0; c < classes; ++c) denom += std::exp(double(z[c] - zmax));
    // −log softmax(z)[label] = log Σ exp(z − max) − (z[label] − max)
    sums.loss += std::log(denom) - double(z[labels[i]] - zmax);
    sums.correct += arg == labels[i];
    if (dlogits) {
      float* dz = dlogits + std::size_t(i) * classes;
      for (int c = 0; c < classes; ++c) {
        const double p = std::exp(double(z[c] - zmax)) / denom;
        dz[c] = float((p - (c == labels[i] ? 1.0 : 0.0)) * grad_scale);
      }
    }
  }
  return sums;
}

void softmax(const float* logits, int n, int classes, float* probs) {
  for (int i = 0; i < n; ++i) {
    const float* z = logits + std::size_t(i) * classes;
    float* p = probs + std::size_t(i) * classes;
    double zmax = z[0], denom = 0;
    for (int c = 1; c < classes; ++c) zmax = std::max(zmax, double(z[c]));
    for (int c = 0; c < classes; ++c) denom += std::exp(double(z[c]) - zmax);
    for (int c = 0; c < classes; ++c) p[c] = float(std::exp(double(z[c]) - zmax) / denom);
  }
}

}  // namespace wn
