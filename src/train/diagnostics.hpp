#pragma once
// Per-layer diagnostics: what weight normalisation does to the optimisation, sampled by the fit
// loop at step 0 (after the data init) and at every progress report.
//
// Salimans & Kingma §2.1: with w = g·v/‖v‖ the gradient ∇v is orthogonal to v, so plain SGD
// can only grow ‖v‖ (‖v_{t+1}‖² = ‖v_t‖² + ‖Δv‖²), and the effective step on w's direction
// shrinks as ‖v‖ grows: the update self-stabilises. v_norm, g_over_v (the scale from v to w)
// and angle (how far each v_j turned) show that happening; plain layers get w_norm and
// update_ratio (‖Δw‖/‖w‖) to compare with.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../model.hpp"

namespace wn {

struct LayerDiagnostics {
  std::string name;       // Keras' name: conv2d, weight_normalization_3, …
  bool weight_norm = false;
  // weight norm: means over output channels j of ‖v_j‖, g_j, g_j/‖v_j‖, and of the angle (radians)
  // v_j turned since the previous record. plain: mean ‖w_j‖, and ‖Δw‖/‖w‖ since the previous record.
  double v_norm = 0, g_mean = 0, g_over_v = 0, w_norm = 0;
  std::optional<double> angle, update_ratio;  // none at the first record
  // Step 0 only: the pre-activations on the init batch (every unit of every sample) and the
  // fraction of the layer's outputs that are zero (dead ReLUs).
  std::optional<double> preact_mean, preact_std, dead_relu;
};

struct DiagnosticsRecord {
  int epoch = 0, step = 0;  // step 0: after the data init, before any training step
  std::vector<LayerDiagnostics> layers;
};

// Mean and population standard deviation of each of N channels over `rows` rows of z (rows × N).
struct ChannelMoments {
  std::vector<double> mean, std;
};
ChannelMoments channel_moments(const float* z, std::size_t rows, int N);

class Diagnostics {
 public:
  // The weights' state now, compared with the previous sample (angles, update ratios).
  DiagnosticsRecord sample(const Model& model, int epoch, int step);
  // sample() plus step 0's pre-activation statistics on the init batch x (n samples). Runs the
  // model forward, so the model must be prepared (Model::prepare) for these parameters.
  DiagnosticsRecord first(const Model& model, const float* x, int n);

 private:
  std::vector<std::vector<float>> previous_;  // each weight layer's kernel (v or w) at the last sample
};

}  // namespace wn
