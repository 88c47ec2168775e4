#include <doctest/doctest.h>

#include <map>

#include "archives.hpp"
#include "data/tar.hpp"

using namespace wn;
using test::Bytes;

namespace {
struct Collect : TarSink {
  std::map<std::string, Bytes> files;
  std::string current;
  Status begin(const std::string& name, std::uint64_t) override {
    current = name;
    files[name];
    return {};
  }
  Status data(const std::uint8_t* b, std::size_t n) override {
    files[current].insert(files[current].end(), b, b + n);
    return {};
  }
  Status end() override { return {}; }
};

Status read_in_chunks(const Bytes& tar, std::size_t chunk, Collect& sink) {
  TarReader reader(sink);
  for (std::size_t i = 0; i < tar.size(); i += chunk) {
    Status s = reader.push(tar.data() + i, std::min(chunk, tar.size() - i));
    if (!s) return s;
  }
  return reader.finish();
}
}  // namespace

TEST_CASE("tar members arrive whole whatever the chunking") {
  const Bytes a(700, 'a'), b(512, 'b'), empty;
  const Bytes tar = test::make_tar({{"dir/a.bin", a}, {"b.txt", b}, {"empty", empty}});
  for (std::size_t chunk : {1u, 7u, 512u, 100000u}) {
    CAPTURE(chunk);
    Collect sink;
    REQUIRE(read_in_chunks(tar, chunk, sink));
    CHECK(sink.files.size() == 3);
    CHECK(sink.files["dir/a.bin"] == a);
    CHECK(sink.files["b.txt"] == b);
    CHECK(sink.files["empty"].empty());
  }
}

TEST_CASE("tar: prefix field, directories skipped, missing end blocks accepted") {
  Bytes tar = test::make_tar({{"x.bin", Bytes(3, 'x')}}, /*end_blocks=*/false);
  // Put "deep/path" in the ustar prefix field and fix the checksum.
  std::memcpy(tar.data() + 345, "deep/path", 9);
  std::memset(tar.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i) sum += tar[i];
  std::snprintf(reinterpret_cast<char*>(tar.data() + 148), 8, "%06o", sum);
  Collect sink;
  REQUIRE(read_in_chunks(tar, 64, sink));
  CHECK(sink.files.count("deep/path/x.bin") == 1);
}

TEST_CASE("tar: corrupt and truncated archives are errors") {
  const Bytes tar = test::make_tar({{"a.bin", Bytes(1000, 1)}});
  SUBCASE("checksum") {
    Bytes bad = tar;
    bad[10] ^= 0x55;
    Collect sink;
    const Status s = read_in_chunks(bad, 4096, sink);
    CHECK(!s);
    CHECK(s.message().find("checksum") != std::string::npos);
  }
  SUBCASE("cut inside a member") {
    Collect sink;
    const Status s = read_in_chunks(Bytes(tar.begin(), tar.begin() + 900), 4096, sink);
    CHECK(!s);
    CHECK(s.message().find("truncated") != std::string::npos);
  }
  SUBCASE("cut inside a header") {
    Collect sink;
    CHECK(!read_in_chunks(Bytes(tar.begin(), tar.begin() + 100), 4096, sink));
  }
  SUBCASE("not a tar at all") {
    Collect sink;
    CHECK(!read_in_chunks(Bytes(2048, 'z'), 4096, sink));
  }
}
