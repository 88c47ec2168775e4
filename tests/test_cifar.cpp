#include <doctest/doctest.h>
#include <sys/stat.h>

#include <unistd.h>

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

TEST_CASE("CIFAR from .tar, .tar.gz, a folder and memory, planar RGB becomes NHWC") {
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

namespace {
std::string error_of(const Result<CifarData>& r) { return r ? std::string("(loaded)") : r.message(); }

// A folder holding the given batch files.
std::string folder(const std::vector<std::pair<std::string, Bytes>>& files) {
  const std::string dir = test::temp_dir();
  for (const auto& [name, bytes] : files) test::write_file(dir + "/" + name, bytes);
  return dir;
}
}  // namespace

TEST_CASE("CIFAR bad input gives one clear error") {
  const std::string dir = test::temp_dir();

  CHECK(error_of(load_cifar(dir + "/missing.tar.gz", {})).find("cannot open") != std::string::npos);

  const Bytes test_batch = test::cifar_records(2, 100);
  const std::string odd = folder({{"data_batch_2.bin", Bytes(3073 * 2 + 5, 0)}, {"test_batch.bin", test_batch}});
  CHECK(error_of(load_cifar(odd, {})).find("data_batch_2.bin: size 6151 is not a multiple of 3073") != std::string::npos);

  Bytes bad_label = test::cifar_records(3, 0);
  bad_label[3073] = 12;
  const std::string labels = folder({{"data_batch_1.bin", bad_label}, {"test_batch.bin", test_batch}});
  CHECK(error_of(load_cifar(labels, {})).find("data_batch_1.bin: record 1 has label 12") != std::string::npos);

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

// wn-train's --help once offered a single .bin file, which always failed with "no test batch".
TEST_CASE("CIFAR: a single .bin file is refused with what to pass instead") {
  const std::string dir = folder({{"data_batch_1.bin", test::cifar_records(3, 0)}, {"photo.bin", Bytes(3073, 0)}});
  for (const char* name : {"/data_batch_1.bin", "/photo.bin"}) {
    const std::string e = error_of(load_cifar(dir + name, {}));
    CHECK(e.find("one batch file is not enough") != std::string::npos);
    CHECK(e.find("pass the folder holding the .bin files, or cifar-10-binary.tar.gz") != std::string::npos);
  }
}

TEST_CASE("cifar_files: what load_cifar reads, so wn-train can keep its outputs off it") {
  const std::string flat = folder({{"test_batch.bin", test::cifar_records(1, 0)}});
  const std::vector<std::string> files = cifar_files(flat);
  REQUIRE(files.size() == 6);
  CHECK(files[0] == flat + "/data_batch_1.bin");
  CHECK(files[5] == flat + "/test_batch.bin");
  REQUIRE(mkdir((flat + "/cifar-10-batches-bin").c_str(), 0755) == 0);  // as the archive unpacks
  CHECK(cifar_files(flat)[4] == flat + "/cifar-10-batches-bin/data_batch_5.bin");
  CHECK(cifar_files(flat + "/x.tar.gz") == std::vector<std::string>{flat + "/x.tar.gz"});
}

// --data /dev/zero used to read forever at 48 GB/s, and a FIFO blocked forever.
TEST_CASE("CIFAR: devices and FIFOs are refused before a byte is read, given or inside a folder") {
  CHECK(error_of(load_cifar("/dev/zero", {})) ==
        "/dev/zero is a character device, not a data file: pass the folder holding the CIFAR-10 .bin files, or "
        "cifar-10-binary.tar.gz");
  const std::string dir = test::temp_dir();
  REQUIRE(mkfifo((dir + "/fifo.tar.gz").c_str(), 0600) == 0);
  CHECK(error_of(load_cifar(dir + "/fifo.tar.gz", {})).find("fifo.tar.gz is a FIFO, not a data file") != std::string::npos);

  const std::string bins = folder({{"test_batch.bin", test::cifar_records(2, 100)}});
  REQUIRE(symlink("/dev/zero", (bins + "/data_batch_1.bin").c_str()) == 0);
  CHECK(error_of(load_cifar(bins, {})).find("data_batch_1.bin is a character device, not a CIFAR-10 batch file") !=
        std::string::npos);
  const std::string fifos = folder({{"data_batch_1.bin", test::cifar_records(2, 0)}});
  REQUIRE(mkfifo((fifos + "/test_batch.bin").c_str(), 0600) == 0);
  CHECK(error_of(load_cifar(fifos, {})).find("test_batch.bin is a FIFO, not a CIFAR-10 batch file") != std::string::npos);
}

// 0-byte batch files used to "train" and exit 0 with an accuracy of 0.0000.
TEST_CASE("CIFAR: empty batch files are an error, not an empty dataset") {
  const Bytes train = test::cifar_records(3, 0), test_batch = test::cifar_records(2, 100);
  const std::string both = folder({{"data_batch_1.bin", {}}, {"test_batch.bin", {}}});
  CHECK(error_of(load_cifar(both, {})) == both + ": no training images (the data_batch_*.bin files are empty)");
  const std::string no_test = folder({{"data_batch_1.bin", train}, {"test_batch.bin", {}}});
  CHECK(error_of(load_cifar(no_test, {})) == no_test + ": no test images (test_batch.bin is empty)");
  const Bytes tar = test::make_tar({{"data_batch_1.bin", {}}, {"test_batch.bin", test_batch}});
  CHECK(error_of(load_cifar_archive(tar.data(), tar.size(), {})) == "archive: no training images (the data_batch_*.bin files are empty)");
}

TEST_CASE("CIFAR: reading stops once every image asked for is in") {
  SUBCASE("a folder: only the records wanted are read, later batches not at all") {
    Bytes batch = test::cifar_records(3, 0);
    batch[2 * 3073] = 99;  // record 2 is never read when 2 images are asked for
    const std::string dir = folder({{"data_batch_1.bin", batch}, {"data_batch_2.bin", Bytes(10, 0)},
                                    {"test_batch.bin", test::cifar_records(4, 100)}});
    auto d = load_cifar(dir, {2, 1});
    REQUIRE_MESSAGE(d, error_of(d));
    CHECK(d->train.size() == 2);
    CHECK(d->test.size() == 1);
    CHECK(error_of(load_cifar(dir, {3, 1})).find("record 2 has label 99") != std::string::npos);
  }
  SUBCASE("an archive: whatever follows the last member needed is never looked at") {
    Bytes tar = test::make_tar({{"data_batch_1.bin", test::cifar_records(3, 10)}, {"test_batch.bin", test::cifar_records(4, 100)},
                                {"data_batch_2.bin", test::cifar_records(3, 20)}}, false);
    tar.insert(tar.end(), 512, 'G');  // not a tar header
    for (const Bytes& bytes : {tar, test::gzip(tar)}) {
      auto d = load_cifar_archive(bytes.data(), bytes.size(), {3, 4});
      REQUIRE_MESSAGE(d, error_of(d));
      CHECK(d->train.size() == 3);
      CHECK(error_of(load_cifar_archive(bytes.data(), bytes.size(), {7, 4})).find("not a tar archive") != std::string::npos);
    }
  }
  SUBCASE("the end of the tar archive: nothing after it is read") {
    const Bytes tar = test::concat(tarball(), Bytes(1 << 20, 'J'));
    CifarLoader loader({});
    CifarArchive archive(loader);
    REQUIRE(archive.push(tar.data(), tarball().size()));
    CHECK(archive.done());
    CHECK(archive.push(tar.data() + tarball().size(), 1 << 20));  // ignored
    CHECK(archive.end());
    CHECK(loader.finish("t"));
  }
}

TEST_CASE("CIFAR: every read is bounded") {
  const std::string dir = test::temp_dir();
  SUBCASE("an archive file larger than any CIFAR-10 archive is refused by its size") {
    const std::string big = dir + "/big.tar.gz";
    REQUIRE(truncate((test::write_file(big, {}), big).c_str(), off_t(kMaxArchiveBytes) + 1) == 0);  // sparse
    CHECK(error_of(load_cifar(big, {})).find("more than 256 MB, larger than any CIFAR-10 archive") != std::string::npos);
  }
  SUBCASE("a gzip bomb stops at 256 MB unpacked") {
    const Bytes bomb = test::gzip(test::tar_header("filler", std::uint64_t(1) << 40), std::uint64_t(300) << 20);
    CHECK(bomb.size() < (1u << 20));
    CHECK(error_of(load_cifar_archive(bomb.data(), bomb.size(), {})).find("unpacks to more than 256 MB") != std::string::npos);
  }
  SUBCASE("gzip input that never produces a byte stops at 256 MB in") {
    const Bytes header = {0x1f, 0x8b, 8, 0x10 /* FCOMMENT */, 0, 0, 0, 0, 0, 3};
    const Bytes comment(1 << 20, 'c');
    CifarLoader loader({});
    CifarArchive archive(loader);
    Status s = archive.push(header.data(), header.size());
    for (int i = 0; s && i < 300; ++i) s = archive.push(comment.data(), comment.size());
    CHECK(s.message().find("more than 256 MB") != std::string::npos);
  }
  SUBCASE("a batch file claiming more than 10000 images is refused at its header") {
    const Bytes tar = test::concat(test::tar_header("data_batch_1.bin", kCifarFileBytes + 3073), Bytes(512, 0));
    CHECK(error_of(load_cifar_archive(tar.data(), tar.size(), {})) ==
          "archive: data_batch_1.bin: 30733073 bytes is more than a CIFAR-10 batch file's 30730000 (10000 images)");
  }
  SUBCASE("a stream of unknown size holds at most 10000 images") {
    CifarLoader loader({});
    REQUIRE(loader.begin("test_batch.bin", kUnknownSize));
    const Bytes records = test::cifar_records(1000, 0);
    Status s;
    for (int i = 0; s && i < 11; ++i) s = loader.data(records.data(), records.size());
    CHECK(s.message() == "test_batch.bin: more than 10000 images, more than a CIFAR-10 batch file holds");
  }
}

TEST_CASE("CifarLoader: complete() and wanted() follow the batch order") {
  CifarLoader loader({4, 2});
  CHECK(loader.wanted("x/data_batch_1.bin") == 4);
  CHECK(loader.wanted("test_batch.bin") == 2);
  CHECK(loader.wanted("readme.txt") == 0);
  const Bytes three = test::cifar_records(3, 0);
  for (const char* name : {"data_batch_2.bin", "data_batch_1.bin"}) {
    CHECK(!loader.complete());
    REQUIRE(loader.begin(name, three.size()));
    REQUIRE(loader.data(three.data(), three.size()));
    REQUIRE(loader.end());
  }
  CHECK(loader.wanted("data_batch_3.bin") == 0);  // batches 1 and 2 hold 6 ≥ 4
  CHECK(!loader.complete());                      // the test images are still missing
  REQUIRE(loader.begin("test_batch.bin", three.size()));
  REQUIRE(loader.data(three.data(), 2 * 3073));
  CHECK(loader.complete());
}

// GNU gzip and tar read members joined with `cat`, ignore zero padding, and reject other
// trailing bytes; so do we, with the message the page gives too (tests/e2e/data.test.mjs).
TEST_CASE("CIFAR .tar.gz: several gzip members, zero padding and trailing junk") {
  const Bytes tar = tarball();
  const Bytes members = test::gzip_members(tar, {100, 5000, 20000});
  auto d = load_cifar_archive(members.data(), members.size(), {});
  REQUIRE_MESSAGE(d, error_of(d));
  check_contents(d.value(), 15);

  const Bytes padded = test::concat(test::gzip(tar), Bytes(4096, 0));
  CHECK(load_cifar_archive(padded.data(), padded.size(), {}));

  // Junk is seen only when reading gets there: no end-of-archive blocks, a batch missing.
  const Bytes open_tar = test::make_tar({{"data_batch_1.bin", test::cifar_records(3, 0)}, {"test_batch.bin", test::cifar_records(2, 1)}}, false);
  const Bytes gz = test::gzip(open_tar);
  const Bytes junk = test::concat(gz, {'j', 'u', 'n', 'k'});
  CHECK(error_of(load_cifar_archive(junk.data(), junk.size(), {})) ==
        "archive: unexpected bytes after the end of the gzip data (at byte " + std::to_string(gz.size()) + ")");
  const Bytes lone_magic = test::concat(gz, {0x1f});
  CHECK(error_of(load_cifar_archive(lone_magic.data(), lone_magic.size(), {})) == "archive: unexpected bytes after the end of the gzip data (at byte " + std::to_string(gz.size()) + ")");
  const Bytes zeros_then_junk = test::concat(gz, {0, 0, 0, 7});
  CHECK(error_of(load_cifar_archive(zeros_then_junk.data(), zeros_then_junk.size(), {})) == "archive: unexpected bytes after the end of the gzip data (at byte " + std::to_string(gz.size() + 3) + ")");
  CHECK(load_cifar_archive(gz.data(), gz.size(), {}));  // the same without junk loads

  std::vector<std::size_t> cuts;
  for (int i = 1; i <= kMaxGzipMembers; ++i) cuts.push_back(std::size_t(i) * 512);
  const Bytes many = test::gzip_members(tar, cuts);
  CHECK(error_of(load_cifar_archive(many.data(), many.size(), {})).find("more than 16 gzip members") != std::string::npos);
  cuts.pop_back();
  const Bytes sixteen = test::gzip_members(tar, cuts);
  CHECK(load_cifar_archive(sixteen.data(), sixteen.size(), {}));
}

// The page hands GzipFraming the bytes after each member its DecompressionStream ends, and
// reopens the file where a new member starts.
TEST_CASE("GzipFraming: where the next member starts, across calls") {
  GzipFraming f;
  CHECK(!f.finish());  // inside the first member
  f.member_end(100);
  CHECK(f.finish());  // a file may end right after a member
  const std::uint8_t magic[] = {0x1f, 0x8b, 8};
  REQUIRE(f.after(magic, 1).value() == 1);
  CHECK(!f.in_member());
  CHECK(f.finish().message() == "unexpected bytes after the end of the gzip data (at byte 100)");
  REQUIRE(f.after(magic + 1, 2).value() == 0);  // 0x8b is the new member's, which began at 100
  CHECK(f.in_member());
  CHECK(f.member_start() == 100);
  f.member_end(200);
  const std::uint8_t zeros[] = {0, 0, 0};
  CHECK(f.after(zeros, 3).value() == 3);
  CHECK(f.after(magic, 3).message() == "unexpected bytes after the end of the gzip data (at byte 203)");
}

TEST_CASE("Gunzip: members, padding and junk arrive the same whatever the chunking") {
  const Bytes text = test::cifar_records(5, 3);
  const Bytes gz = test::gzip_members(text, {1, 3073, 9000});
  for (const Bytes& tail : {Bytes{}, Bytes(7, 0), Bytes{0x1f}, Bytes{0, 'x'}, Bytes{0x1f, 0x8c}}) {
    for (std::size_t chunk : {1u, 2u, 5u, 4096u}) {
      CAPTURE(tail.size());
      CAPTURE(chunk);
      Bytes out;
      auto g = Gunzip::create([&](const std::uint8_t* b, std::size_t n) {
        out.insert(out.end(), b, b + n);
        return Status();
      });
      REQUIRE(g);
      const Bytes in = test::concat(gz, tail);
      Status s;
      for (std::size_t i = 0; s && i < in.size(); i += chunk) s = g.value()->push(in.data() + i, std::min(chunk, in.size() - i));
      if (s) s = g.value()->finish();
      CHECK(out == text);
      const bool junk = !tail.empty() && tail != Bytes(7, 0);
      CHECK(bool(s) == !junk);
      if (junk)
        CHECK(s.message() == "unexpected bytes after the end of the gzip data (at byte " +
                                 std::to_string(gz.size() + (tail[0] == 0 ? 1 : 0)) + ")");
    }
  }
}
