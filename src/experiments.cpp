#include "experiments.hpp"

namespace wn {

namespace {
constexpr auto adam = OptimizerKind::adam;
constexpr auto sgd = OptimizerKind::sgd;
const std::vector<ModelKind> kPair = {ModelKind::regular, ModelKind::weightnorm};
}  // namespace

const std::vector<Experiment>& experiments() {
  static const std::vector<Experiment> all = {
      {"tutorial", "The tutorial",
       "TensorFlow Addons' weight-normalisation tutorial: Adam (lr 1e-3), batch 32, 10 epochs, here on a "
       "10,000-image subset (set training images to 50,000 for the full run). With a well-tuned Adam the paper expects "
       "little difference in final accuracy, and the tutorial saw none (0.603 vs 0.602); on the full set our native "
       "run gives 0.618 vs 0.625.",
       kPair, {WnInit::tfa}, {{adam, 0.0f, {1e-3f}}}, 1, 10, 10000, 2000},
      {"sgd", "Plain SGD",
       "Plain SGD (lr 0.01, no momentum), one epoch on 20,000 images. The paper's point: weight norm speeds up early "
       "progress under plain gradient descent, because it decouples a unit's scale from its direction and conditions "
       "the gradient (§2). Natively, 5 seeds: weight norm 0.334 ± 0.037 vs 0.237 ± 0.035, ahead in 5 of 5.",
       kPair, {WnInit::tfa}, {{sgd, 0.0f, {1e-2f}}}, 3, 1, 20000, 2000},
      {"high-lr", "Adam at a high learning rate",
       "Adam at lr 1e-2, ten times the default, for 2 epochs on 20,000 images. Weight norm makes the net robust to the "
       "learning rate: a large step on v changes w's direction by less and less as ‖v‖ grows (§2.1). Natively, 5 seeds: "
       "the plain net stays at chance in 4, weight norm learns in 3 (0.25 ± 0.10 vs 0.14 ± 0.10).",
       kPair, {WnInit::tfa}, {{adam, 0.0f, {1e-2f}}}, 3, 2, 20000, 2000},
      {"breaking", "Where weight norm falls behind",
       "SGD at lr 0.1, 2 epochs on 20,000 images: a step size the plain net tolerates but weight norm does not. Its "
       "gradient ∇v scales with g/‖v‖, which TFA's init makes large, so the first steps blow ‖v‖ up and the effective "
       "learning rate collapses. Natively, 5 seeds: plain 0.40 ± 0.02, weight norm 0.22 ± 0.12 (tfa) and 0.31 ± 0.04 "
       "(paper, one seed diverged); weight norm ahead in none.",
       kPair, {WnInit::tfa, WnInit::paper}, {{sgd, 0.0f, {1e-1f}}}, 3, 2, 20000, 2000},
      {"init", "Initialisation",
       "Weight norm's data-dependent init (§3) against none, with the plain net, Adam lr 1e-3, one epoch. 'paper' "
       "normalises every unit's pre-activation to mean 0, std 1 on the first batch; TFA's version takes the statistics "
       "with the unnormalised v, so its units start at std 1/‖v‖ and off-centre; 'none' starts as the plain net. The "
       "table shows the step-0 statistics per layer. Under Adam the init barely matters: 0.367–0.377 over 5 seeds.",
       {ModelKind::regular, ModelKind::weightnorm}, {WnInit::tfa, WnInit::paper, WnInit::none}, {{adam, 0.0f, {1e-3f}}}, 3, 1,
       10000, 2000},
      {"mobn", "Mean-only batch normalisation",
       "Weight norm with mean-only batch normalisation on the hidden layers (§2.2): each unit's batch mean is "
       "subtracted before the bias and the ReLU, a running mean at evaluation. The paper combines the two for its best "
       "CIFAR-10 result: weight norm fixes the scale of the pre-activations, the centring their shift, without full "
       "batch norm's noisy variance. Adam lr 1e-3, 2 epochs on 10,000 images. Natively, 5 seeds: wn-mobn 0.456 ± 0.020, "
       "plain 0.411, weight norm 0.412; wn-mobn ahead in 5 of 5.",
       {ModelKind::regular, ModelKind::weightnorm, ModelKind::wn_mobn}, {WnInit::tfa}, {{adam, 0.0f, {1e-3f}}}, 3, 2, 10000, 2000},
      {"lr-sweep", "Learning-rate sweep",
       "Final validation accuracy after one epoch on 10,000 images against the learning rate, for Adam (3e-4 to 3e-2) "
       "and SGD (3e-3 to 3e-1), with min–max over the seeds. The paper predicts weight norm widens the range of usable "
       "learning rates, above all for SGD. Natively (5 seeds) it rather shifts it: weight norm doubles plain SGD's "
       "accuracy at 3e-3–1e-2 and falls behind from 0.1; under Adam it helps below 1e-3 and at 1e-2.",
       kPair, {WnInit::tfa},
       {{adam, 0.0f, {3e-4f, 1e-3f, 3e-3f, 1e-2f, 3e-2f}}, {sgd, 0.0f, {3e-3f, 1e-2f, 3e-2f, 1e-1f, 3e-1f}}}, 3, 1, 10000,
       2000},
      {"vs-bn", "Weight norm or batch norm?",
       "The paper's comparison (§5.1) on its own CIFAR-10 net, ConvPool-CNN-C, here at width 0.125 (C1 = 12, C2 = 24) "
       "so that a browser trains it: the plain net, batch norm, weight norm, and weight norm with mean-only batch norm. "
       "Adam lr 1e-3, 2 epochs on 4,000 images. The paper (full width, 200 epochs) reports test errors of 8.43 % plain, "
       "8.05 % batch norm, 8.46 % weight norm and 7.31 % wn-mobn, and that batch norm makes more progress per update "
       "but costs about 16 % more per update. Natively, 5 seeds: wn-mobn 0.366 ± 0.025, weight norm 0.290 ± 0.035, "
       "plain 0.225 ± 0.029, batch norm 0.144 ± 0.031. Batch norm learns fastest per update (training accuracy 0.358, "
       "with batch statistics) but evaluates worst: its moving averages (momentum 0.99) lag a net that changes this "
       "fast, a pitfall weight norm has not. It costs 21-76 % more per step than the plain net here, natively on 2 "
       "threads (docs/performance.md); weight norm costs nothing measurable.",
       {ModelKind::regular, ModelKind::batchnorm, ModelKind::weightnorm, ModelKind::wn_mobn}, {WnInit::tfa},
       {{adam, 0.0f, {1e-3f}}}, 3, 2, 4000, 1000, {32}, "convpool-c", 0.125f},
      {"deep", "A deep plain net",
       "Twelve 3×3 convolutions (16, 32 and 64 filters, Keras' Glorot init, ReLU), global average pooling and a "
       "Dense 10: the plain net, weight norm and batch norm, Adam lr 1e-3, 2 epochs on 3,000 images. Without "
       "normalisation the signal's scale changes layer by layer, so a deep plain net can stall where a shallow one "
       "trains; weight norm's data init puts every layer's pre-activations at mean 0, std 1 (§3), and batch norm does "
       "so at every step. Natively, 5 seeds: weight norm 0.263 ± 0.025, ahead in 5 of 5; the plain net 0.150 ± 0.047, at "
       "chance in 2; batch norm fits its batches best (training accuracy 0.373) but evaluates at chance (0.110): after "
       "188 updates twelve layers of lagging moving averages compound. The per-layer diagnostics show where the "
       "plain net's gradients fade.",
       {ModelKind::regular, ModelKind::weightnorm, ModelKind::batchnorm}, {WnInit::paper}, {{adam, 0.0f, {1e-3f}}}, 3, 2,
       3000, 1000, {32}, "c16k3s-c16k3s-c16k3s-c16k3s-p2-c32k3s-c32k3s-c32k3s-c32k3s-p2-c64k3s-c64k3s-c64k3s-c64k3s-gap-d10", 1.0f},
      {"small-batch", "Small batches",
       "Batch norm, weight norm and the plain net at batch 2, 4, 8 and 32 on the same images: LeNet, Adam lr 1e-3, "
       "3 epochs on 6,000 images, one seed (the runs at batch 2 are slow). Batch norm normalises with each batch's own "
       "mean and variance, which get noisy as the batch shrinks: Wu & He (2018, Group Normalization) see its ImageNet "
       "error rise sharply below batch 8. Weight norm never looks at the batch (§2). Natively, 5 seeds: batch norm 0.42 "
       "at batch 32, 0.41 at 8, 0.34 at 4 and 0.21 at 2; weight norm 0.40, 0.41, 0.40 and 0.39; the plain net the same. "
       "The summary also gives batch norm's accuracy with batch statistics instead of its moving averages: at batch 32 "
       "they lag after the first epoch's 188 updates (0.17 against 0.39) and have caught up by the third (0.42 against "
       "0.44); at batch 2 both are bad, because the net cannot fit with two-image statistics.",
       {ModelKind::batchnorm, ModelKind::weightnorm, ModelKind::regular}, {WnInit::tfa}, {{adam, 0.0f, {1e-3f}}}, 1, 3, 6000,
       2000, {2, 4, 8, 32}, "lenet", 1.0f, 32},
  };
  return all;
}

const Experiment* find_experiment(const std::string& name) {
  for (const Experiment& p : experiments())
    if (p.name == name) return &p;
  return nullptr;
}

std::string experiment_names() {
  std::string s;
  for (const Experiment& p : experiments()) s += (s.empty() ? "" : ", ") + p.name;
  return s;
}

}  // namespace wn
