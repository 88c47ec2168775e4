#include <doctest/doctest.h>

#include "model.hpp"

using namespace wn;

TEST_CASE("the tutorial's nets: shapes and Keras' parameter counts") {
  auto regular = Model::build(lenet(ModelKind::regular), 0);
  REQUIRE(regular);
  const Model& m = *regular.value();
  CHECK(m.layer_count() == 8);
  CHECK(m.layer(0).output_shape() == Shape{28, 28, 6});
  CHECK(m.layer(1).output_shape() == Shape{14, 14, 6});
  CHECK(m.layer(2).output_shape() == Shape{10, 10, 16});
  CHECK(m.layer(3).output_shape() == Shape{5, 5, 16});
  CHECK(m.layer(4).output_shape() == Shape{1, 1, 400});
  CHECK(m.classes() == 10);
  // Keras' summary: 456 + 2416 + 48120 + 10164 + 850
  CHECK(m.params().size() == 62006);

  auto wnet = Model::build(lenet(ModelKind::weightnorm), 0);
  REQUIRE(wnet);
  // + one g per output channel: 6 + 16 + 120 + 84 + 10
  CHECK(wnet.value()->params().size() == 62006 + 236);
  CHECK(wnet.value()->wants_data_init());
  CHECK(!m.wants_data_init());
}

TEST_CASE("wn-mobn: weight norm's parameters, and a running mean per hidden channel as state, not parameters") {
  auto built = Model::build(lenet(ModelKind::wn_mobn), 0);
  REQUIRE(built);
  const Model& m = *built.value();
  CHECK(model_kind_from_name("wn-mobn") == ModelKind::wn_mobn);
  CHECK(model_kind_names() == "regular, weightnorm, wn-mobn, batchnorm");
  CHECK(m.params().size() == 62006 + 236);  // the same as weightnorm's: the bias moved after the centring
  CHECK(m.state().size() == 6 + 16 + 120 + 84);  // the output layer is not centred
  CHECK(m.state_offset(2) == 6);
  CHECK(m.state_offset(7) == 226);
  for (float s : m.state()) CHECK(s == 0.0f);
  CHECK(m.wants_data_init());
  CHECK(m.summary().find("MeanOnlyBN(WeightNormalization(Conv2D(6, 5x5, stride 1, valid, linear), init tfa), relu)") !=
        std::string::npos);
  CHECK(m.summary().find("non-trainable (running means): 226") != std::string::npos);
  CHECK(Model::build(lenet(ModelKind::weightnorm), 0).value()->state().empty());

  ModelSpec plain = lenet(ModelKind::regular);
  plain.mean_only_bn = true;
  const auto refused = Model::build(plain, 0);
  CHECK(!refused);
  CHECK(refused.message() == "mean-only batch norm needs weight norm");
}

TEST_CASE("the same seed gives the same weights, and WN's v is the plain kernel") {
  auto a = Model::build(lenet(ModelKind::regular), 5);
  auto b = Model::build(lenet(ModelKind::regular), 5);
  auto c = Model::build(lenet(ModelKind::regular), 6);
  auto w = Model::build(lenet(ModelKind::weightnorm), 5);
  CHECK(a.value()->params() == b.value()->params());
  CHECK(a.value()->params() != c.value()->params());
  // First layer: kernel (450 floats) identical in both models.
  for (int i = 0; i < 450; ++i) REQUIRE(w.value()->params()[i] == a.value()->params()[i]);
}

TEST_CASE("a third net is a few lines, and bad descriptions are errors, not crashes") {
  ModelSpec spec;
  spec.name = "tiny";
  spec.input = {8, 8, 1};
  spec.layers = {LayerSpec::conv(4, 3, Activation::linear, 1, Padding::same), LayerSpec::apply(Activation::relu),
                 LayerSpec::maxpool(2, 2), LayerSpec::flatten(), LayerSpec::dense(3, Activation::linear)};
  auto tiny = Model::build(spec, 1);
  REQUIRE(tiny);
  CHECK(tiny.value()->layer(2).output_shape() == Shape{4, 4, 4});
  CHECK(tiny.value()->summary().find("Activation(relu)") != std::string::npos);
  CHECK(tiny.value()->summary().find("Dense(3, linear)") != std::string::npos);

  spec.layers = {LayerSpec::conv(4, 9, Activation::relu)};
  auto too_big = Model::build(spec, 1);
  CHECK(!too_big);
  CHECK(too_big.message().find("larger than its input") != std::string::npos);
  spec.layers = {LayerSpec::dense(0, Activation::relu)};
  CHECK(!Model::build(spec, 1));
  spec.layers = {};
  CHECK(!Model::build(spec, 1));
}

TEST_CASE("layers are named as Keras names them, and their weights are views into the parameters") {
  auto wn = std::move(Model::build(lenet(ModelKind::weightnorm), 1).value());
  auto plain = std::move(Model::build(lenet(ModelKind::regular), 1).value());
  const std::vector<std::string> expect_plain = {"conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "flatten",
                                                 "dense", "dense_1", "dense_2"};
  for (std::size_t i = 0; i < plain->layer_count(); ++i) CHECK(plain->layer_name(i) == expect_plain[i]);
  CHECK(wn->layer_name(2) == "weight_normalization_1");
  CHECK(wn->layer_name(7) == "weight_normalization_4");

  const float* p = plain->params().data() + plain->param_offset(5);
  const Weights dense = plain->layer(5).weights(p);
  CHECK(dense.kernel == p);
  CHECK(dense.rows == 400);
  CHECK(dense.cols == 120);
  CHECK(dense.kernel_shape == std::vector<int>{400, 120});
  CHECK(dense.bias == p + 400 * 120);
  CHECK(dense.g == nullptr);
  const float* q = wn->params().data() + wn->param_offset(0);
  const Weights conv = wn->layer(0).weights(q);
  CHECK(conv.kernel_shape == std::vector<int>{5, 5, 3, 6});
  CHECK(conv.g == q + 450 + 6);
  CHECK(!plain->layer(1).weights(nullptr));  // max pooling has none
  CHECK(std::equal(conv.kernel, conv.kernel + 450, plain->params().data()));  // v = the plain kernel of the seed

  // wn-mobn: the same weights where weight norm has them, under their own name; the output layer is weight norm's.
  auto mobn = std::move(Model::build(lenet(ModelKind::wn_mobn), 1).value());
  CHECK(mobn->layer_name(0) == "mean_only_batch_normalization");
  CHECK(mobn->layer_name(6) == "mean_only_batch_normalization_3");
  CHECK(mobn->layer_name(7) == "weight_normalization");
  for (std::size_t i : {0, 2, 5, 6, 7}) {
    CAPTURE(i);
    const Weights a = wn->layer(i).weights(wn->params().data() + wn->param_offset(i));
    const Weights b = mobn->layer(i).weights(mobn->params().data() + mobn->param_offset(i));
    CHECK(b.kernel_shape == a.kernel_shape);
    CHECK(b.bias - b.kernel == a.bias - a.kernel);
    CHECK(b.g - b.kernel == a.g - a.kernel);
    CHECK(std::equal(a.kernel, a.kernel + a.rows * a.cols, b.kernel));
  }
}

TEST_CASE("preactivation is the output before the ReLU") {
  auto m = std::move(Model::build(lenet(ModelKind::weightnorm), 2).value());
  Rng rng(3);
  std::vector<float> x(3072 * 2);
  for (float& v : x) v = rng.uniform();
  const Layer& conv = m->layer(0);
  std::vector<float> y(conv.output_shape().size() * 2), z(y.size()), scratch(conv.scratch_floats(2));
  const float* p = m->params().data();
  conv.forward(p, x.data(), y.data(), 2, scratch.data());
  REQUIRE(conv.preactivation(p, x.data(), z.data(), 2, scratch.data()));
  int negative = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    CHECK(y[i] == doctest::Approx(std::max(z[i], 0.0f)).epsilon(1e-6));
    negative += z[i] < 0;
  }
  CHECK(negative > 100);
  CHECK(!m->layer(1).preactivation(p, x.data(), z.data(), 2, scratch.data()));

  // wn-mobn's: centred with these samples' means, before the bias (zero at first): mean 0 per channel.
  auto c = std::move(Model::build(lenet(ModelKind::wn_mobn), 2).value());
  const Layer& centred = c->layer(0);
  std::vector<float> zc(y.size()), yc(y.size()), scratch_c(centred.scratch_floats(2));
  REQUIRE(centred.preactivation(c->params().data(), x.data(), zc.data(), 2, scratch_c.data()));
  centred.forward(c->params().data(), x.data(), yc.data(), 2, scratch_c.data());
  double mean[6] = {};
  for (std::size_t i = 0; i < zc.size(); ++i) {
    mean[i % 6] += zc[i] / (zc.size() / 6);
    CHECK(yc[i] == std::max(zc[i], 0.0f));
  }
  for (double v : mean) CHECK(std::abs(v) < 1e-5);
}
