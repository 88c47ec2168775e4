// Prediction and evaluation of a model on its own (src/predict.hpp): the numbers the trainer's
// one-thread evaluation gives, without an optimiser.
#include <doctest/doctest.h>

#include <algorithm>

#include "loss.hpp"
#include "predict.hpp"
#include "training.hpp"

using namespace wn;

TEST_CASE("predict and evaluate give the trainer's one-thread evaluation, bit for bit, without an optimiser") {
  const Dataset data = test::quadrants(40, 11);
  const Batch batch = test::first_batch(data, 32);
  for (ModelKind p : kModelKinds) {
    const std::string name = model_kind_name(p);
    CAPTURE(name);
    // Trained a step, so mean-only batch norm has running means and weight norm's w must be derived again.
    auto model = std::move(Model::build(lenet(p), 3).value());
    auto sgd = make_sgd({0.1f});
    Trainer trainer(*model, *sgd, {32, 1});
    trainer.train_batch(batch.x(), batch.labels(), 32);
    Floats expected(32 * 10), probs_expected(32 * 10);
    const BatchResult r = trainer.eval_batch(batch.x(), batch.labels(), 32, expected.data());
    softmax(expected.data(), 32, 10, probs_expected.data());

    auto alone = std::move(Model::build(lenet(p), 99).value());  // other weights until they are set
    alone->params() = model->params();
    alone->state() = model->state();
    Floats logits(32 * 10), probs(32 * 10);
    forward_logits(*alone, batch.x(), 32, logits.data());
    CHECK(logits == expected);
    predict(*alone, data.images.data(), 32, probs.data());
    CHECK(probs == probs_expected);

    const Evaluation e = evaluate(*alone, data, 32, 7);  // batches of 7: the sums do not depend on them
    CHECK(e.count == 32);
    CHECK(e.loss == doctest::Approx(r.loss_sum / 32).epsilon(1e-6));
    CHECK(e.accuracy == doctest::Approx(double(r.correct) / 32));
    // What the page's inspection shows of weights loaded from a file: the first images'
    // probabilities and the confusion matrix, as the trainer's validation tallies them.
    REQUIRE(e.tally.predictions.size() == 32);
    ConfusionMatrix confusion{};
    long hits = 0;
    for (int i = 0; i < 32; ++i) {
      const float* row = probs_expected.data() + i * 10;
      CHECK(e.tally.predictions[i].label == data.labels[i]);
      CHECK(std::equal(row, row + 10, e.tally.predictions[i].probs.begin()));
      const int guess = int(std::max_element(row, row + 10) - row);
      ++confusion[data.labels[i]][guess];
      hits += guess == data.labels[i];
    }
    CHECK(e.tally.confusion == confusion);
    CHECK(hits == r.correct);
  }
}
