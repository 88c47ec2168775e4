#pragma once
// A model's weights as named arrays, with Keras' names and layouts, so a weight file loads in
// NumPy or Keras as it would from model.get_weights(): conv2d/kernel [kh, kw, cin, cout],
// conv2d/bias, dense_1/kernel [in, out], weight_normalization/v, …/g, …/bias, and the
// batch_normalization/gamma, …/beta, and the non-trainable state: batch_normalization/moving_mean,
// …/moving_variance, mean_only_batch_normalization/moving_mean.
#include <string>
#include <vector>

#include "../model.hpp"
#include "npy.hpp"

namespace wn {

struct NamedArray {
  std::string name;
  NpyArray array;
};

std::vector<NamedArray> export_weights(const Model& model);

// Everything that makes a trained model, as one vector: the parameters, then the state (running
// means). What workers send to the page and runs can start from.
std::vector<float> snapshot(const Model& model);
// Sets parameters and state from a snapshot of a model of the same kind; refuses another size.
Status restore(Model& model, const float* values, std::size_t count);

// The kernel a layer applies: w itself, or g·v/‖v‖ for a weight-normalised one (rows × cols).
std::vector<float> effective_kernel(const Weights& w);

// The arrays a model's weight file holds, by name, with their shapes: what a loader checks a
// file's .npy headers against before it inflates any data (cli/npz.hpp).
struct ArrayLayout {
  std::string name;
  std::vector<int> shape;
};
std::vector<ArrayLayout> weight_layout(const Model& model);

// Sets the model's parameters: every array the model has must be there with its exact shape,
// and nothing else. On error the model is unchanged.
Status import_weights(Model& model, const std::vector<NamedArray>& arrays);

}  // namespace wn
