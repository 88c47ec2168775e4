#include <doctest/doctest.h>

#include "archives.hpp"
#include "data/cifar.hpp"

using namespace wn;
using test::Bytes;

namespace {
// A miniature CIFAR-10: 5 training batches of 3 images (tags 10, 20, …) and a test batch of 4,
// stored out of order as the official archive does.
std::vector<std::pair<std::string, Bytes>> members() {
  std::vector<std::pair<std::string, Bytes>> m;
  m.push_back({"cifar-10-batches-bin/", {}});
  for (int k : {4, 5, 2, 1, 3})
    m.push_back({"cifar-10-batches-bin/data_batch_" + std::to_string(k) + ".bin", test::cifar_records(3, 10 * k, k)});
  m.push_back({"cifar-10-batches-bin/batches.meta.txt", Bytes(61, 'x')});
  m.push_back({"cifar-10-batches-bin/test_batch.bin", test::cifar_records(4, 100)});
  return m;
}

// Expected NHWC pixel of record i in a batch made with `tag`.
std::uint8_t pixel(int tag, int i, int y, int x, int c) { return std::uint8_t(tag + i + 7 * c + y * 32 + x); }

void check_contents(const CifarData& d, int train_expected) {
  REQUIRE(d.train.size() == train_expected);
  REQUIRE(d.test.size() == 4);
  // Training images come in batch order 1..5 whatever the archive order.
  for (int j = 0; j < train_expected; ++j) {
    const int k = j / 3 + 1, i = j % 3;
    CHECK(d.train.labels[j] == (i + k) % 10);
    CHECK(d.train.image(j)[(5 * 32 + 9) * 3 + 2] == pixel(10 * k, i, 5, 9, 2));
  }
  CHECK(d.test.image(3)[(31 * 32 + 31) * 3 + 0] == pixel(100, 3, 31, 31, 0));
}

Bytes tarball() { return test::make_tar(members()); }
}  // namespace

TEST_CASE("CIFAR from .tar, .tar.gz, a folder and memory; planar RGB becomes NHWC") {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/c.tar", tarball());
  test::write_file(dir + "/c.tar.gz", test::gzip(tarball()));
  std::string bins = dir + "/cifar-10-batches-bin";
  REQUIRE(mkdir(bins.c_str(), 0755) == 0);
  for (const auto& [name, bytes] : members())
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".bin") == 0) test::write_file(dir + "/" + name, bytes);

  for (const std::string& path : {dir + "/c.tar", dir + "/c.tar.gz", dir, bins}) {
    CAPTURE(path);
    auto d = load_cifar(path, {});
    REQUIRE_MESSAGE(d, (d ? "" : d.message()));
    check_contents(d.value(), 15);
  }
  const Bytes gz = test::gzip(tarball());
  auto mem = load_cifar_archive(gz.data(), gz.size(), {});
  REQUIRE(mem);
  check_contents(mem.value(), 15);
}

TEST_CASE("CIFAR limits take the first N training and M test images") {
  const Bytes tar = tarball();
  auto d = load_cifar_archive(tar.data(), tar.size(), {7, 2});
  REQUIRE(d);
  CHECK(d->train.size() == 7);
  CHECK(d->test.size() == 2);
  CHECK(d->train.labels[6] == (0 + 3) % 10);  // image 7 is batch 3's first
}

TEST_CASE("CIFAR bad input gives one clear error") {
  const std::string dir = test::temp_dir();
  auto error_of = [](const Result<CifarData>& r) { return r ? std::string("(loaded)") : r.message(); };

  CHECK(error_of(load_cifar(dir + "/missing.tar.gz", {})).find("cannot open") != std::string::npos);

  test::write_file(dir + "/data_batch_2.bin", Bytes(3073 * 2 + 5, 0));
  CHECK(error_of(load_cifar(dir + "/data_batch_2.bin", {})).find("not a multiple of 3073") != std::string::npos);
  test::write_file(dir + "/photo.bin", Bytes(3073, 0));
  CHECK(error_of(load_cifar(dir + "/photo.bin", {})).find("not a CIFAR-10 batch file name") != std::string::npos);

  Bytes bad_label = test::cifar_records(3, 0);
  bad_label[3073] = 12;
  test::write_file(dir + "/data_batch_1.bin", bad_label);
  CHECK(error_of(load_cifar(dir + "/data_batch_1.bin", {})).find("record 1 has label 12") != std::string::npos);

  const Bytes gz = test::gzip(tarball());
  test::write_file(dir + "/cut.tar.gz", Bytes(gz.begin(), gz.begin() + gz.size() / 2));
  CHECK(error_of(load_cifar(dir + "/cut.tar.gz", {})).find("truncated") != std::string::npos);

  Bytes corrupt = gz;
  for (std::size_t i = 20; i < 60; ++i) corrupt[i] ^= 0xA5;
  test::write_file(dir + "/corrupt.tar.gz", corrupt);
  CHECK(error_of(load_cifar(dir + "/corrupt.tar.gz", {})).find("corrupt") != std::string::npos);

  test::write_file(dir + "/other.tar", test::make_tar({{"readme.txt", Bytes(10, 'r')}}));
  CHECK(error_of(load_cifar(dir + "/other.tar", {})).find("no CIFAR-10 training batches") != std::string::npos);

  test::write_file(dir + "/no_test.tar", test::make_tar({{"data_batch_1.bin", test::cifar_records(2, 0)}}));
  CHECK(error_of(load_cifar(dir + "/no_test.tar", {})).find("test_batch.bin") != std::string::npos);

  test::write_file(dir + "/garbage.tar.gz", Bytes(5000, 'g'));
  CHECK(!load_cifar(dir + "/garbage.tar.gz", {}));
}
