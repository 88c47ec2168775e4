#include <doctest/doctest.h>

#include "model.hpp"

using namespace wn;

TEST_CASE("the tutorial's nets: shapes and Keras' parameter counts") {
  auto regular = Model::build(preset(Preset::regular), 0);
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

  auto wnet = Model::build(preset(Preset::weightnorm), 0);
  REQUIRE(wnet);
  // + one g per output channel: 6 + 16 + 120 + 84 + 10
  CHECK(wnet.value()->params().size() == 62006 + 236);
  CHECK(wnet.value()->wants_data_init());
  CHECK(!m.wants_data_init());
}

TEST_CASE("the same seed gives the same weights, and WN's v is the plain kernel") {
  auto a = Model::build(preset(Preset::regular), 5);
  auto b = Model::build(preset(Preset::regular), 5);
  auto c = Model::build(preset(Preset::regular), 6);
  auto w = Model::build(preset(Preset::weightnorm), 5);
  CHECK(a.value()->params() == b.value()->params());
  CHECK(a.value()->params() != c.value()->params());
  // First layer: kernel (450 floats) identical in both presets.
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
