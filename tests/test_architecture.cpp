#include <doctest/doctest.h>

#include <string>

#include "architecture.hpp"
#include "gradcheck.hpp"
#include "layers/activation.hpp"
#include "layers/conv2d.hpp"
#include "layers/global_avg_pool.hpp"

using namespace wn;

namespace {
bool same_layers(const std::vector<LayerSpec>& a, const std::vector<LayerSpec>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].kind != b[i].kind || a[i].units != b[i].units || a[i].kernel != b[i].kernel ||
        a[i].stride != b[i].stride || a[i].padding != b[i].padding || a[i].activation != b[i].activation)
      return false;
  return true;
}
std::string error_of(const std::string& text) {
  auto a = parse_architecture(text);
  return a ? "" : a.message();
}
}  // namespace

TEST_CASE("leaky ReLU: max(x, 0.1·x), and its gradient") {
  ActivationLayer leaky({1, 2, 3}, Activation::leaky_relu);
  std::vector<float> x = {-2, -0.5f, 0.5f, 1, 3, -1}, y(6);
  leaky.forward(nullptr, x.data(), y.data(), 1, nullptr);
  CHECK(y == std::vector<float>{-0.2f, -0.05f, 0.5f, 1, 3, -0.1f});
  CHECK(test::check_gradients(leaky, {}, x, 1, 7, 1e-2f).dx < 1e-3);
}

TEST_CASE("Conv2D with leaky ReLU, and without a bias: finite-difference gradients") {
  Rng rng(4);
  for (bool bias : {true, false}) {
    CAPTURE(bias);
    Conv2D conv({5, 5, 3}, Conv2DConfig{4, 3, 3, 1, Padding::same, Activation::leaky_relu, bias});
    CHECK(conv.param_count() == 3u * 3 * 3 * 4 + (bias ? 4 : 0));
    std::vector<float> p(conv.param_count());
    CHECK((conv.weights(p.data()).bias != nullptr) == bias);
    conv.init_params(p.data(), rng);
    for (std::size_t i = conv.kernel_size(); i < p.size(); ++i) p[i] = 0.1f * float(i % 3);
    // Differences of 1e-3 step over leaky ReLU's kink where an output lies within 1e-3 of 0: an input
    // whose outputs all keep away from it.
    std::vector<float> x, y(conv.output_shape().size() * 2), scratch(conv.scratch_floats(2));
    double closest = 0;
    for (int tries = 0; tries < 100 && closest < 2e-3; ++tries) {
      x = test::random_vector(5 * 5 * 3 * 2, rng);
      conv.forward(p.data(), x.data(), y.data(), 2, scratch.data());
      closest = 1;
      for (float v : y) closest = std::min(closest, double(std::abs(v)));
    }
    REQUIRE(closest >= 2e-3);
    const auto err = test::check_gradients(conv, p, x, 2, 9, 1e-3f);
    CHECK(err.dx < 2e-3);
    CHECK(err.dparams < 2e-3);
  }
}

TEST_CASE("global average pooling: each channel's mean over the image, and its gradient") {
  GlobalAvgPool gap({2, 3, 2});
  CHECK(gap.output_shape() == Shape{1, 1, 2});
  std::vector<float> x = {1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60}, y(2);
  gap.forward(nullptr, x.data(), y.data(), 1, nullptr);
  CHECK(y[0] == doctest::Approx(3.5));
  CHECK(y[1] == doctest::Approx(35));
  Rng rng(2);
  CHECK(test::check_gradients(gap, {}, test::random_vector(12 * 3, rng), 3).dx < 1e-3);
}

TEST_CASE("architectures: lenet is the tutorial's net, bit for bit the same description") {
  auto arch = parse_architecture("lenet");
  REQUIRE(arch);
  for (ModelKind k : kModelKinds) {
    CAPTURE(model_kind_name(k));
    const ModelSpec a = architecture_model(*arch, 1.0, k, WnInit::tfa).value(), b = lenet(k, WnInit::tfa);
    CHECK(same_layers(a.layers, b.layers));
    CHECK(a.name == b.name);
    CHECK(a.weight_norm == b.weight_norm);
    CHECK(a.mean_only_bn == b.mean_only_bn);
    CHECK(a.batch_norm == b.batch_norm);
    auto m1 = build_model("lenet", 1.0, k, WnInit::tfa, 3), m2 = Model::build(b, 3);
    REQUIRE(m1);
    CHECK((*m1)->params() == (*m2)->params());
  }
  CHECK(same_layers(parse_architecture("c6k5-p2-c16k5-p2-f-d120-d84-d10")->layers, arch->layers));
}

TEST_CASE("architectures: convpool-c at width 0.25, every model kind") {
  for (ModelKind k : kModelKinds) {
    CAPTURE(model_kind_name(k));
    auto m = build_model("convpool-c", 0.25, k, WnInit::tfa, 1);
    REQUIRE(m);
    const Model& model = **m;
    CHECK(model.classes() == 10);
    // 3 × conv 24 same (32×32) → pool → 3 × conv 48 same (16×16) → pool → conv 48 valid (6×6) → 2 × 1×1 → gap → 10.
    int convs = 0;
    for (std::size_t i = 0; i < model.layer_count(); ++i)
      if (const Weights w = model.layer(i).weights(model.params().data() + model.param_offset(i))) {
        ++convs;
        if (convs == 3) CHECK(model.layer(i).output_shape() == Shape{32, 32, 24});
        if (convs == 7) CHECK(model.layer(i).output_shape() == Shape{6, 6, 48});
        CHECK((w.bias != nullptr) == (k != ModelKind::batchnorm || convs == 10));
      }
    CHECK(convs == 10);
    const ModelCost cost = model_cost(model);
    // Kernels: 3·9·24 + 2·24·9·24 + 24·9·48 + 2·48·9·48 + 48·9·48 + 2·48·48 + 48·10 = 88,680.
    const std::size_t kernels = 88680, channels = 3 * 24 + 6 * 48 + 10;
    if (k == ModelKind::regular) CHECK(cost.params == kernels + channels);
    if (k == ModelKind::batchnorm) CHECK(cost.params == kernels + 2 * (channels - 10) + 10);
    CHECK(cost.train_flops > 2.9 * cost.forward_flops);
    CHECK(cost.forward_flops > 2 * 24 * 24 * 9 * 32 * 32);
  }
  const ModelCost lenet = architecture_cost("lenet", 1, ModelKind::regular).value();
  CHECK(lenet.params == 62006);
  // Multiply-adds 28·28·75·6 + 10·10·150·16 + 400·120 + 120·84 + 84·10 = 651,720.
  CHECK(lenet.forward_flops == 2.0 * 651720);
  CHECK(lenet.train_flops == 2.0 * (2 * 352800 + 3 * (651720 - 352800)));
}

TEST_CASE("architectures: the spec grammar") {
  auto a = parse_architecture("lrelu-c32k3s-c32k3s-p2-c64k3s-p2-gap-d10");
  REQUIRE(a);
  REQUIRE(a->layers.size() == 7);
  CHECK(a->layers[0].padding == Padding::same);
  CHECK(a->layers[0].activation == Activation::leaky_relu);
  CHECK(a->layers[2].kind == LayerSpec::Kind::maxpool2d);
  CHECK(a->layers[5].kind == LayerSpec::Kind::global_avg_pool);
  CHECK(a->layers[6].activation == Activation::linear);
  CHECK(parse_architecture("c8k3v-d10")->layers[0].padding == Padding::valid);
  CHECK(parse_architecture("c8k3-d10")->layers[0].activation == Activation::relu);
  auto narrow = architecture_model(*a, 0.5, ModelKind::regular, WnInit::tfa);
  CHECK(narrow->layers[0].units == 16);
  CHECK(narrow->layers[6].units == 10);  // the logits keep CIFAR-10's classes
  CHECK(architecture_model(*a, 0.001, ModelKind::regular, WnInit::tfa).message().find("width") != std::string::npos);
  CHECK(architecture_model(*a, 1e300, ModelKind::regular, WnInit::tfa).message().find("width") != std::string::npos);
}

TEST_CASE("architectures: hostile specs are refused with a message, never an abort") {
  CHECK(error_of("").find("empty") != std::string::npos);
  CHECK(error_of("resnet").find("not a layer") != std::string::npos);
  CHECK(error_of("c99999999999999999999999999k3-d10").find("from 1 to 4096") != std::string::npos);
  CHECK(error_of("c0k3-d10").find("from 1 to 4096") != std::string::npos);
  CHECK(error_of("c8k99-d10").find("from 1 to 32") != std::string::npos);
  CHECK(error_of("c8-d10").find("c<filters>k<size>") != std::string::npos);
  CHECK(error_of("c8k3x-d10").find("unexpected 'x'") != std::string::npos);
  CHECK(error_of("c8k3--d10").find("empty layer") != std::string::npos);
  CHECK(error_of("c8k3-d10-").find("empty layer") != std::string::npos);
  CHECK(error_of("c8k3-d12").find("d10") != std::string::npos);
  CHECK(error_of("p2-p2-p2-p2-p2-p2-d10").find("larger than its input") != std::string::npos);
  CHECK(error_of("c8k32-c8k3-d10").find("larger than its input") != std::string::npos);
  std::string many;
  for (int i = 0; i < 1000000; ++i) many += "c1k1-";
  CHECK(error_of(many + "d10").find("at most 1000 characters") != std::string::npos);
  std::string deep;
  for (int i = 0; i < 150; ++i) deep += "f-";
  CHECK(error_of(deep + "d10").find("at most 100 layers") != std::string::npos);
  // Within every per-layer bound, but 32×32×4096 floats per image, and a 4M × 4096 Dense.
  CHECK(error_of("c4096k3s-d10").find("values per image") != std::string::npos);
  // 4 M parameters at width 1; at width 4 a 4,096 × 16,384 Dense: refused before any is allocated.
  CHECK(build_model("c64k3s-p2-p2-p2-d4096-d10", 1, ModelKind::regular, WnInit::tfa, 1));
  CHECK(build_model("c64k3s-p2-p2-p2-d4096-d10", 4, ModelKind::weightnorm, WnInit::tfa, 1).message().find("parameters") !=
        std::string::npos);
}
