// Weight files: .npy arrays (checked field by field, since users hand them in), models'
// weights as named arrays with Keras' names and layouts, and .npz containers (libzip).
#include <doctest/doctest.h>

#include <limits>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/npz.hpp"
#include "io/weights.hpp"
#include "model.hpp"

using namespace wn;

namespace {
Result<NpyArray> decode(const std::string& bytes) {
  return npy_decode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}
// A .npy written by hand the way NumPy 1.24 writes np.save(f, np.arange(6, dtype='<f4').reshape(2, 3)).
std::string numpy_file(const std::string& dict, const std::string& data) {
  std::string header = dict;
  header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
  return std::string("\x93NUMPY\x01\x00", 8) + char(header.size() & 0xff) + char(header.size() >> 8) + header + data;
}
std::string floats(std::initializer_list<float> v) { return std::string(reinterpret_cast<const char*>(v.begin()), v.size() * 4); }
}  // namespace

TEST_CASE("npy: what np.save writes round-trips, and the header is what NumPy expects") {
  const float v[] = {0.5f, -1.0f, 3.25f, 1e-30f, 7.0f, 8.0f};
  const std::string bytes = npy_encode(v, {2, 3});
  CHECK(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  CHECK(bytes.find("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }") != std::string::npos);
  CHECK((10 + (unsigned char)bytes[8] + ((unsigned char)bytes[9] << 8)) % 64 == 0);  // data aligned to 64
  auto a = decode(bytes);
  REQUIRE(a);
  CHECK(a->shape == std::vector<int>{2, 3});
  CHECK(a->data == std::vector<float>(v, v + 6));
  CHECK(npy_encode(v, {6}).find("'shape': (6,)") != std::string::npos);  // a 1-tuple keeps its comma
  auto numpy = decode(numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }", floats({1.5f, 2.5f})));
  REQUIRE(numpy);
  CHECK(numpy->data == std::vector<float>{1.5f, 2.5f});
  const double d[] = {0.25, -2.0};
  auto wide = decode(numpy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", std::string(reinterpret_cast<const char*>(d), 16)));
  REQUIRE(wide);
  CHECK(wide->data == std::vector<float>{0.25f, -2.0f});
}

TEST_CASE("npy: files that are not float arrays in C order are refused with a reason") {
  const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "magic"},
      {"not numpy at all", "magic"},
      {numpy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", floats({1, 2})), "little-endian"},
      {numpy_file("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", floats({1, 2})), "float32 or float64"},
      {numpy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", floats({1, 2})), "C order"},
      {numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", floats({1, 2})), "the shape needs 12"},
      {numpy_file(ok, floats({1, 2, 3})), "the shape needs 8"},
      {numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }", ""), "too large"},
      {numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", ""), "too large"},
      {numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (a,), }", ""), "sizes"},
      {numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': 2, }", floats({1, 2})), "no shape"},
      {numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, }", floats({1, 2})), "not closed"},
      {numpy_file(ok, floats({1, 2})).substr(0, 20), "truncated"},
      {std::string("\x93NUMPY\x09\x00", 8) + "xx", "version 9"},
  };
  for (const auto& [bytes, why] : bad) {
    CAPTURE(why);
    auto a = decode(bytes);
    REQUIRE(!a);
    CHECK(a.message().find(why) != std::string::npos);
  }
}

TEST_CASE("weights: Keras' names, shapes and layouts, import checks every name and shape") {
  auto wn = std::move(Model::build(lenet(ModelKind::weightnorm), 1).value());
  const std::vector<NamedArray> arrays = export_weights(*wn);
  REQUIRE(arrays.size() == 5 * 3);
  CHECK(arrays[0].name == "weight_normalization/v");
  CHECK(arrays[0].array.shape == std::vector<int>{5, 5, 3, 6});
  CHECK(arrays[1].name == "weight_normalization/bias");
  CHECK(arrays[2].name == "weight_normalization/g");
  CHECK(arrays[6].name == "weight_normalization_2/v");
  CHECK(arrays[6].array.shape == std::vector<int>{400, 120});
  auto plain = std::move(Model::build(lenet(ModelKind::regular), 2).value());
  CHECK(export_weights(*plain)[0].name == "conv2d/kernel");
  CHECK(export_weights(*plain)[9].name == "dense_2/bias");

  auto other = std::move(Model::build(lenet(ModelKind::weightnorm), 7).value());
  REQUIRE(import_weights(*other, arrays));
  CHECK(other->params() == wn->params());

  auto missing = arrays;
  missing.pop_back();
  const Floats before = other->params();
  CHECK(import_weights(*plain, arrays).message() == "the weights hold 'weight_normalization/v', which the model \"regular\" does not have");
  CHECK(import_weights(*other, missing).message() == "the weights lack 'weight_normalization_4/g' of the model \"weightnorm\"");
  auto reshaped = arrays;
  reshaped[6].array.shape = {120, 400};
  CHECK(import_weights(*other, reshaped).message() == "'weight_normalization_2/v' has shape (120, 400), the model needs (400, 120)");
  auto twice = arrays;
  twice.push_back(arrays[0]);
  CHECK(import_weights(*other, twice).message() == "the weights hold 'weight_normalization/v' twice");
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    auto poisoned = arrays;
    poisoned[3].array.data[5] = bad;
    CHECK(import_weights(*other, poisoned).message() == "'" + arrays[3].name + "' holds NaN or infinite values");
  }
  CHECK(other->params() == before);  // a refused file changes nothing
}

TEST_CASE("npz: np.savez's container, written and read back through libzip") {
  auto m = std::move(Model::build(lenet(ModelKind::regular), 3).value());
  auto bytes = npz_encode(export_weights(*m));
  REQUIRE(bytes);
  CHECK(bytes->substr(0, 4) == "PK\x03\x04");
  CHECK(bytes->find("conv2d/kernel.npy") != std::string::npos);
  const std::string path = "/tmp/wn-test-weights.npz";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    std::fwrite(bytes->data(), 1, bytes->size(), f);
    std::fclose(f);
  }
  auto arrays = npz_read(path);
  REQUIRE_MESSAGE(arrays, (arrays ? "" : arrays.message()));
  auto back = std::move(Model::build(lenet(ModelKind::regular), 9).value());
  REQUIRE(import_weights(*back, arrays.value()));
  CHECK(back->params() == m->params());
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fputs("not a zip", f);
    std::fclose(f);
  }
  auto junk = npz_read(path);
  REQUIRE(!junk);
  CHECK(junk.message().rfind(path + ": ", 0) == 0);
  CHECK(!npz_read("/nonexistent/weights.npz"));
  std::remove(path.c_str());
}

TEST_CASE("weights: mean-only batch norm's running mean is saved and loaded as moving_mean, snapshots carry it") {
  auto m = std::move(Model::build(lenet(ModelKind::wn_mobn), 1).value());
  for (std::size_t i = 0; i < m->state().size(); ++i) m->state()[i] = 0.01f * float(i);
  const std::vector<NamedArray> arrays = export_weights(*m);
  auto mean = std::find_if(arrays.begin(), arrays.end(), [](const NamedArray& a) { return a.name == "mean_only_batch_normalization/moving_mean"; });
  REQUIRE(mean != arrays.end());
  CHECK(mean->array.shape == std::vector<int>{6});
  auto other = std::move(Model::build(lenet(ModelKind::wn_mobn), 2).value());
  REQUIRE(import_weights(*other, arrays));
  CHECK(other->state() == m->state());
  CHECK(other->params() == m->params());
  const std::vector<float> all = snapshot(*m);
  CHECK(all.size() == m->params().size() + m->state().size());
  auto third = std::move(Model::build(lenet(ModelKind::wn_mobn), 3).value());
  REQUIRE(restore(*third, all.data(), all.size()));
  CHECK(third->state() == m->state());
  CHECK(!restore(*third, all.data(), all.size() - 1));
}
