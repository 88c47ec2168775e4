#pragma once
// Architectures: the net a model kind (regular, weightnorm, wn-mobn, batchnorm) is applied to.
// A preset by name, or a spec in the grammar below; both become a list of LayerSpec, and
// model_spec() (model.hpp) applies a kind's rule to it, so every kind fits every architecture.
//
// Presets:
//   lenet       the TFA tutorial's LeNet (the default): c6k5-p2-c16k5-p2-f-d120-d84-d10
//   convpool-c  Salimans & Kingma's CIFAR-10 net (§5.1, after Springenberg et al. 2015's
//               ConvPool-CNN-C), C1 = 96, C2 = 192, leaky ReLU 0.1, without its noise and dropout:
//               lrelu-c96k3s-c96k3s-c96k3s-p2-c192k3s-c192k3s-c192k3s-p2-c192k3v-c192k1-c192k1-gap-d10
//
// Spec grammar: tokens joined by '-', lower case, no spaces:
//   spec  := [act '-'] layer ('-' layer)*
//   act   := 'relu' | 'lrelu'        the hidden layers' activation: ReLU (default), leaky ReLU 0.1
//   layer := 'c' N 'k' K ['s'|'v']   Conv2D, N filters, K×K, stride 1, 's' same / 'v' valid padding (default)
//          | 'p' K                   MaxPool2D, K×K, stride K
//          | 'gap'                   global average pooling, (h, w, c) → (1, 1, c)
//          | 'f'                     Flatten (optional: a Dense reads its whole input either way)
//          | 'd' N                   Dense, N units
// The last layer is 'd10', CIFAR-10's logits (linear, the softmax is in the loss); every other
// Conv2D and Dense has the hidden activation. Bounds: limits.hpp (kMaxArchitectureChars,
// kMaxLayers, kMaxUnits, kMaxKernel); shapes must stay positive on a 32×32×3 input.
//
// Width w multiplies every hidden Conv2D's filters and hidden Dense's units (rounded, at least 1),
// any architecture's: convpool-c at w = 0.25 has C1 = 24, C2 = 48. Width 1 is the net as written.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model.hpp"
#include "status.hpp"

namespace wn {

struct Architecture {
  std::string name;               // the preset's name, or the spec as given
  std::vector<LayerSpec> layers;  // at width 1
};

// A preset name or a spec: the layers, or what is wrong with the text (never aborts).
Result<Architecture> parse_architecture(const std::string& text);
// "lenet, convpool-c": for messages and help.
std::string architecture_presets();

// The kind's model of the architecture at width w: a description, or why not (w out of bounds,
// too many parameters).
Result<ModelSpec> architecture_model(const Architecture& arch, double width, ModelKind kind, WnInit init);
// Parses, applies the kind and builds, with its initial weights drawn from seed.
Result<std::unique_ptr<Model>> build_model(const std::string& arch, double width, ModelKind kind, WnInit init,
                                           std::uint64_t seed);

// What a model costs: trainable parameters, non-trainable state, and the multiply-adds (× 2 FLOPs)
// of its Conv2D and Dense layers per image: forward, and a training step's forward and backward
// (the kernel's gradient, and the input's except for the first layer). Pooling, activations and
// normalisation are a few operations per value and not counted.
struct ModelCost {
  std::size_t params = 0, state = 0;
  double forward_flops = 0, train_flops = 0;
};
ModelCost model_cost(const Model& model);
Result<ModelCost> architecture_cost(const std::string& arch, double width, ModelKind kind);

}  // namespace wn
