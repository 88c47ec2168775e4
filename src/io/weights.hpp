#pragma once
// A model's trainable weights as named arrays, with Keras' names and layouts, so a weight file
// loads in NumPy or Keras as it would from model.get_weights(): conv2d/kernel [kh, kw, cin,
// cout], conv2d/bias, dense_1/kernel [in, out], weight_normalization/v, …/g, …/bias.
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

// The kernel a layer applies: w itself, or g·v/‖v‖ for a weight-normalised one (rows × cols).
std::vector<float> effective_kernel(const Weights& w);

// Sets the model's parameters: every array the model has must be there with its exact shape,
// and nothing else. On error the model is unchanged.
Status import_weights(Model& model, const std::vector<NamedArray>& arrays);

}  // namespace wn
