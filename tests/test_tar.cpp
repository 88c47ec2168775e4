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

TEST_CASE("tar: GNU long names and pax paths name the next file only, as tar(1) writes names over 100 bytes") {
  const std::string deep = "cifar-10-batches-bin/" + std::string(120, 'd') + "/data_batch_1.bin";
  const std::string deeper = std::string(200, 'p') + "/test_batch.bin";
  const auto bytes = [](const std::string& s) { return Bytes(s.begin(), s.end()); };
  Bytes tar = test::tar_member("././@LongLink", bytes(deep + '\0'), 'L');
  tar = test::concat(tar, test::tar_member("short1", bytes("one")));
  tar = test::concat(tar, test::tar_member("PaxHeaders/x", test::concat(test::pax_record("mtime", "1.5"), test::pax_record("path", deeper)), 'x'));
  tar = test::concat(tar, test::tar_member("short2", bytes("two"), '7'));  // GNU's contiguous file: a regular one
  tar = test::concat(tar, test::tar_member("PaxHeaders/y", test::pax_record("uid", "0"), 'x'));  // no path: the member keeps its name
  tar = test::concat(tar, test::tar_member("plain", bytes("three")));
  tar.resize(tar.size() + 1024, 0);
  for (std::size_t chunk : {1u, 100u, 4096u}) {
    CAPTURE(chunk);
    Collect sink;
    REQUIRE(read_in_chunks(tar, chunk, sink));
    CHECK(sink.files.size() == 3);
    CHECK(sink.files[deep] == Bytes{'o', 'n', 'e'});
    CHECK(sink.files[deeper] == Bytes{'t', 'w', 'o'});
    CHECK(sink.files["plain"].size() == 5);
  }
}

TEST_CASE("tar: a huge long-name record or a pax header that does not add up is an error") {
  Collect sink;
  const Status huge = read_in_chunks(test::concat(test::tar_member("././@LongLink", Bytes(70000, 'n'), 'L'), Bytes(1024, 0)), 4096, sink);
  CHECK(huge.message() == "corrupt tar archive (a 70000-byte extended header at byte 0)");
  for (const std::string& bad : {std::string("99 path=x\n"), std::string("5 path=x\n"), std::string("x path=y\n"),
                                 std::string("0 \n"), std::string("8 pathx\n")}) {
    CAPTURE(bad);
    Collect s2;
    const Status st = read_in_chunks(test::concat(test::tar_member("h", Bytes(bad.begin(), bad.end()), 'x'), Bytes(1024, 0)), 4096, s2);
    CHECK(st.message().find("corrupt pax header") == 0);
  }
}
