// A short real run on CIFAR-10: the copy beside the checkout (../shared/cifar10).
#include <doctest/doctest.h>

#include "data/cifar.hpp"
#include "training.hpp"

using namespace wn;

TEST_CASE("real CIFAR-10: both nets' loss falls and accuracy beats chance clearly") {
  auto data = load_cifar(WN_CIFAR_ARCHIVE, {2000, 1000});
  REQUIRE_MESSAGE(data, (data ? "" : data.message() + " (the real-data test needs ../shared/cifar10)"));
  REQUIRE(data->train.size() == 2000);
  REQUIRE(data->test.size() == 1000);
  int per_class[10] = {};
  for (std::uint8_t l : data->test.labels) ++per_class[l];
  CHECK(per_class[0] > 50);  // a real label distribution, not one class

  for (Preset p : {Preset::regular, Preset::weightnorm}) {
    CAPTURE(preset_name(p));
    const History h = test::fit(test::config(p, 2, 0, 2), data->train, data->test);
    REQUIRE(h.epochs.size() == 2);
    MESSAGE(std::string(preset_name(p)), ": loss ", h.epochs[0].loss, " -> ", h.epochs[1].loss, ", val_accuracy ",
            h.epochs[1].val_accuracy);
    CHECK(h.epochs[1].loss < h.epochs[0].loss);
    CHECK(h.epochs[0].loss < 2.31);  // below ln 10, where an untrained net sits
    CHECK(h.epochs[1].val_accuracy > 0.22);
  }
}
