// A short real run on CIFAR-10: the checkout's data/cifar-10-binary.tar.gz, which `npm run data` prepares.
// The CMake cache variable WN_CIFAR_ARCHIVE points elsewhere for a build, the environment variable of
// the same name for one run.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "data/cifar.hpp"
#include "training.hpp"

using namespace wn;

namespace {
std::string archive_path() {
  const char* env = std::getenv("WN_CIFAR_ARCHIVE");
  return env && *env ? env : WN_CIFAR_ARCHIVE;
}
}  // namespace

// Without the data this test fails rather than skips: a skipped test passes in ctest, and npm test (CI)
// must train on real data, so a missing archive has to stop it, saying what to run.
TEST_CASE("real CIFAR-10: both nets' loss falls and accuracy beats chance clearly") {
  const std::string path = archive_path();
  if (!std::ifstream(path))
    FAIL("no CIFAR-10 archive at ", path, ": run `npm run data` (downloads it), or `npm run data -- --from PATH` ",
         "with a local copy of cifar-10-binary.tar.gz; or point WN_CIFAR_ARCHIVE at one (cmake -D or environment)");
  auto data = load_cifar(path, {2000, 1000});
  REQUIRE_MESSAGE(data, (data ? "" : data.message()));
  REQUIRE(data->train.size() == 2000);
  REQUIRE(data->test.size() == 1000);
  int per_class[10] = {};
  for (std::uint8_t l : data->test.labels) ++per_class[l];
  CHECK(per_class[0] > 50);  // a real label distribution, not one class

  for (ModelKind p : {ModelKind::regular, ModelKind::weightnorm}) {
    CAPTURE(model_kind_name(p));
    const History h = test::fit(test::config(p, 2, 0, 2), data->train, data->test);
    REQUIRE(h.epochs.size() == 2);
    MESSAGE(std::string(model_kind_name(p)), ": loss ", h.epochs[0].loss, " -> ", h.epochs[1].loss, ", val_accuracy ",
            h.epochs[1].val_accuracy);
    CHECK(h.epochs[1].loss < h.epochs[0].loss);
    CHECK(h.epochs[0].loss < 2.31);  // below ln 10, where an untrained net sits
    CHECK(h.epochs[1].val_accuracy > 0.22);
  }
}
