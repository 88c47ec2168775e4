// Weight files: .npy arrays (checked field by field, since users hand them in), models'
// weights as named arrays with Keras' names and layouts, and .npz containers (libzip).
#include <doctest/doctest.h>

#include <limits>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include <sys/resource.h>

#include <chrono>

#include "archives.hpp"
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
  auto back = std::move(Model::build(lenet(ModelKind::regular), 9).value());
  auto arrays = npz_read(path, *back);
  REQUIRE_MESSAGE(arrays, (arrays ? "" : arrays.message()));
  REQUIRE(import_weights(*back, arrays.value()));
  CHECK(back->params() == m->params());
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fputs("not a zip", f);
    std::fclose(f);
  }
  auto junk = npz_read(path, *back);
  REQUIRE(!junk);
  CHECK(junk.message().rfind(path + ": ", 0) == 0);
  CHECK(!npz_read("/nonexistent/weights.npz", *back));
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

namespace {
// Peak resident memory of this process so far, in MB (ctest runs each test case in a process of its own).
long peak_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

std::size_t layout_values(const ArrayLayout& l) {
  std::size_t n = 1;
  for (int d : l.shape) n *= std::size_t(d);
  return n;
}

test::Bytes bytes_of(const std::string& s) { return test::Bytes(s.begin(), s.end()); }

// The .npy header np.save writes for float32 `shape`, without the data.
test::Bytes npy_head(const std::vector<int>& shape) {
  std::string dims;
  for (int d : shape) dims += std::to_string(d) + ", ";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
  return bytes_of(std::string("\x93NUMPY\x01\x00", 8) + char(header.size() & 0xff) + char(header.size() >> 8) + header);
}

// npz_read on `zip`; the message it refuses it with ("" when it loads).
std::string refusal(const test::Bytes& zip, const Model& model) {
  const std::string path = test::temp_dir() + "/w.npz";
  test::write_file(path, zip);
  auto r = npz_read(path, model);
  std::remove(path.c_str());
  return r ? "" : r.message().substr(path.size() + 2);
}
}  // namespace

// Issue 17: 4 members of 256 MB of zeros in a 1 MB file took 4 s and 1.3 GB before they were refused,
// and died of std::bad_alloc under `ulimit -v 1000000`.
TEST_CASE("npz: a zip bomb is refused from its headers, before anything is inflated") {
  auto model = std::move(Model::build(lenet(ModelKind::regular), 1).value());
  const std::vector<ArrayLayout> layout = weight_layout(*model);
  REQUIRE(layout.size() >= 4);
  const std::uint64_t big = std::uint64_t(256) << 20;
  const long before = peak_mb();
  // The model's names and shapes in the headers, then 256 MB of zeros each: the zip declares more
  // bytes than the header's shape needs.
  std::vector<test::ZipMember> lying;
  for (int i = 0; i < 4; ++i) lying.push_back({layout[i].name + ".npy", npy_head(layout[i].shape), big});
  const test::Bytes zip = test::make_zip(lying);
  MESSAGE("bomb: " << zip.size() / 1024 << " KB declaring " << 4 * (big >> 20) << " MB");
  const auto made = std::chrono::steady_clock::now();
  const std::string said = refusal(zip, *model);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - made).count();
  CHECK(said == layout[0].name + ".npy: the zip declares " + std::to_string(big + lying[0].data.size()) + " bytes, its .npy header " +
                    std::to_string(lying[0].data.size() + 4 * layout_values(layout[0])));
  // Headers that declare the 256 MB: shapes the model does not have. (The shape is refused before
  // the size is looked at, so these need no zeros behind them.)
  std::vector<test::ZipMember> huge;
  for (int i = 0; i < 4; ++i) huge.push_back({layout[i].name + ".npy", npy_head({1 << 26})});
  CHECK(refusal(test::make_zip(huge), *model) ==
        "'" + layout[0].name + "' has shape (67108864), the model \"regular\" needs " + shape_text(layout[0].shape));
  // Names the model does not have; the same name twice.
  CHECK(refusal(test::make_zip({{"zeros_0.npy", npy_head({1 << 26})}}), *model) == "the weights hold 'zeros_0', which the model \"regular\" does not have");
  const long grown = peak_mb() - before;
  MESSAGE("refused in " << seconds * 1000 << " ms; peak memory grew by " << grown << " MB over the whole test");
  CHECK(grown < 50);
}

TEST_CASE("npz: a weight file is checked against the model before its data is read: names, shapes, sizes, all there") {
  auto model = std::move(Model::build(lenet(ModelKind::regular), 1).value());
  const std::vector<NamedArray> arrays = export_weights(*model);
  std::vector<test::ZipMember> members;
  for (const NamedArray& a : arrays) members.push_back({a.name + ".npy", bytes_of(npy_encode(a.array.data.data(), a.array.shape))});
  CHECK(refusal(test::make_zip(members), *model) == "");  // deflated by make_zip, loaded whole
  auto twice = members;
  twice.push_back(members[2]);
  CHECK(refusal(test::make_zip(twice), *model) == "the weights hold '" + arrays[2].name + "' twice");
  auto missing = members;
  missing.pop_back();
  CHECK(refusal(test::make_zip(missing), *model) == "the weights lack '" + arrays.back().name + "' of the model \"regular\"");
  auto truncated = members;
  truncated[1].data.resize(truncated[1].data.size() - 4);
  CHECK(refusal(test::make_zip(truncated), *model) == arrays[1].name + ".npy: the zip declares " + std::to_string(truncated[1].data.size()) +
                                          " bytes, its .npy header " + std::to_string(members[1].data.size()));
  auto other = std::move(Model::build(lenet(ModelKind::weightnorm), 1).value());
  CHECK(refusal(test::make_zip(members), *other).find("which the model \"weightnorm\" does not have") != std::string::npos);
  // The cap on the total leaves room for the models' own files: 4-byte values and a header each.
  for (const Model* m : {model.get(), other.get()})
    CHECK(kNpzMaxTotal >= 4 * (m->params().size() + m->state().size()) + 128 * weight_layout(*m).size());
}
