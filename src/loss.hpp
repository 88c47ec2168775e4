#pragma once
// Softmax fused with categorical cross-entropy. The net's last Dense has a linear
// activation here and this function applies the softmax, which is what Keras does
// internally for `activation='softmax'` + `categorical_crossentropy` (it reads the
// logits back), and avoids log(0).
#include <cstdint>

namespace wn {

struct LossSums {
  double loss = 0;  // Σ over samples of −log p(label)
  int correct = 0;  // argmax(logits) == label, first index on ties
};

// logits, dlogits: n × classes. dlogits = (softmax − onehot) · grad_scale, where
// grad_scale = 1/batch makes it the gradient of the batch-mean loss. dlogits may be
// null (evaluation).
LossSums softmax_cross_entropy(const float* logits, const std::uint8_t* labels, int n,
                               int classes, float grad_scale, float* dlogits);

// probs = softmax(logits) per row, n × classes: the net's predicted class probabilities.
void softmax(const float* logits, int n, int classes, float* probs);

}  // namespace wn
