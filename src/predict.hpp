#pragma once
// A model on its own: class probabilities for images, and the loss and accuracy on labelled ones,
// without a Trainer, an optimiser or a data order. One thread, each layer's forward_eval (mean-only
// batch norm's running means, no batch statistics), so the numbers are those the trainer's
// evaluation gives on one thread.
#include <array>
#include <cstdint>
#include <vector>

#include "data/dataset.hpp"
#include "model.hpp"

namespace wn {

// Logits (n × classes) of n images, floats in [0, 1], NHWC (what Batch stages).
void forward_logits(Model& model, const float* x, int n, float* logits);

// Class probabilities (n × classes) of n images of 32×32×3 bytes, NHWC, scaled to x/255 as Batch does.
void predict(Model& model, const std::uint8_t* images, int n, float* probs);

// rows: true class, columns: predicted class (argmax, first index on ties).
using ConfusionMatrix = std::array<std::array<long, Dataset::kClasses>, Dataset::kClasses>;

// What the page shows of the first test images after each validation: the true label and the
// predicted class probabilities.
constexpr int kInspectSamples = 32;
struct Prediction {
  int label = 0;
  std::array<float, Dataset::kClasses> probs{};
};

// What a validation pass sees beyond loss and accuracy, fed batch after batch in the data's
// order: the confusion matrix, and the first kInspectSamples images' probabilities.
struct Tally {
  ConfusionMatrix confusion{};
  std::vector<Prediction> predictions;
  int seen = 0;
  void add(const float* logits, const std::uint8_t* labels, int n, int classes);
};

struct Evaluation {
  int count = 0;
  double loss = 0;      // mean cross-entropy
  double accuracy = 0;  // fraction of top-1 hits
  Tally tally;
};
// Over the first n samples of source (all if n ≤ 0), batch at a time.
Evaluation evaluate(Model& model, const ImageSource& source, int n = 0, int batch = 256);

}  // namespace wn
