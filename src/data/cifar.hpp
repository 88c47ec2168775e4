#pragma once
// The CIFAR-10 binary format: records of 1 label byte (0–9) and 3072 pixel bytes,
// the 1024 red, then green, then blue values of a 32×32 image, row-major. Records
// are converted to NHWC as they stream in.
//
// The official archive stores cifar-10-batches-bin/data_batch_{1..5}.bin and
// test_batch.bin in no particular order; "the first N training images" always
// means batch 1 first, then 2, … whatever the archive order.
//
// Every read is bounded, whatever the input: a batch file holds at most 10,000 images,
// an archive at most kMaxArchiveBytes go in or come out of gzip, and reading stops as
// soon as every image asked for is in (or the tar archive has ended).
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataset.hpp"
#include "gzip.hpp"
#include "tar.hpp"

namespace wn {

constexpr int kCifarRecordBytes = 1 + Dataset::kImageBytes;  // 3073
constexpr int kCifarTrainBatches = 5;
constexpr int kCifarImagesPerFile = 10000;  // each data_batch_k.bin and test_batch.bin
constexpr std::uint64_t kCifarFileBytes = std::uint64_t(kCifarImagesPerFile) * kCifarRecordBytes;
// The official archive is 170 MB gzip'd and 185 MB as tar; this leaves room for extra
// members and stops a gzip bomb or an endless file long before memory or patience run out.
constexpr std::uint64_t kMaxArchiveBytes = std::uint64_t(256) << 20;
// A file size CifarLoader::begin() cannot know (the page streams a response without one).
constexpr std::uint64_t kUnknownSize = ~std::uint64_t(0);
// batches.meta.txt of the official archive, in label order.
constexpr const char* kCifarClassNames[Dataset::kClasses] = {"airplane", "automobile", "bird", "cat", "deer",
                                                              "dog",      "frog",       "horse", "ship", "truck"};

struct CifarLimits {
  int train = 50000;  // take the first `train` training images …
  int test = 10000;   // … and the first `test` test images
};

struct CifarData {
  Dataset train, test;
};

// A TarSink that also takes loose .bin files (begin/data/end per file). Members
// other than the six batch files are ignored.
class CifarLoader final : public TarSink {
 public:
  explicit CifarLoader(CifarLimits limits);
  // `size` is the whole file's, or kUnknownSize; a caller may then pass fewer bytes than
  // that (whole records) when no more are wanted.
  Status begin(const std::string& name, std::uint64_t size) override;
  Status data(const std::uint8_t* bytes, std::size_t len) override;
  Status end() override;
  // Every image the limits ask for is in: reading can stop.
  bool complete() const;
  // How many more records of the part `name` feeds can still be used: what a reader
  // needs to read of that file (0: skip it). Files read in batch order get the exact need.
  int wanted(const std::string& name) const;
  // Checks the expected members were present and assembles the datasets.
  Result<CifarData> finish(const std::string& source);

  // Which dataset part a file name feeds: 0–4 data_batch_1–5, 5 test, −1 none.
  static int part_of(const std::string& name);

 private:
  CifarLimits limits_;
  std::array<Dataset, kCifarTrainBatches + 1> parts_;
  std::array<bool, kCifarTrainBatches + 1> seen_{}, ended_{};
  std::string name_;
  int part_ = -1;
  long record_ = 0;
  std::array<std::uint8_t, kCifarRecordBytes> pending_{};
  std::size_t pending_fill_ = 0;
};

// An archive streamed into a CifarLoader: a .tar, or a .tar.gz in native builds (sniffed
// from the first bytes, not trusted from the name; the page gunzips before pushing).
class CifarArchive {
 public:
  explicit CifarArchive(CifarLoader& loader);
  CifarArchive(const CifarArchive&) = delete;  // the tar reader and gunzip point into it
  CifarArchive& operator=(const CifarArchive&) = delete;
  // An archive file of `size` bytes is refused before it is read if no CIFAR-10 archive is that big.
  static Status check_size(std::uint64_t size);
  // Errors say what is wrong with the archive; once done() the bytes are ignored.
  Status push(const std::uint8_t* bytes, std::size_t len);
  // Every image asked for is in, or the tar archive has ended: stop reading.
  bool done() const { return loader_.complete() || tar_.ended(); }
  // The input has ended, or reading stopped at done(): an error if it stopped inside gzip
  // data or a tar member. Then CifarLoader::finish() assembles the datasets.
  Status end();

 private:
  Status start(const std::uint8_t* head, std::size_t len);
  Status push_tar(const std::uint8_t* bytes, std::size_t len);

  CifarLoader& loader_;
  TarReader tar_;
  std::unique_ptr<Gunzip> gunzip_;
  std::uint64_t in_ = 0;
  std::uint8_t head_[2] = {};  // the first bytes, held until gzip can be told from tar
  std::size_t head_fill_ = 0;
};

// Peak bytes a load with these limits holds: each batch file's kept records, then the
// assembled datasets.
std::size_t cifar_memory_bytes(CifarLimits limits);

// Reads a folder holding the six .bin files (directly or in cifar-10-batches-bin/), a .tar,
// or a .tar.gz (native builds). A single .bin file, and anything that is not a regular file
// or a folder (a device, a FIFO), is refused before a byte is read.
Result<CifarData> load_cifar(const std::string& path, CifarLimits limits);
// The files load_cifar(path) reads: the archive itself, or a folder's six batch files.
std::vector<std::string> cifar_files(const std::string& path);
// An in-memory tar archive (and gzip'd tar in native builds).
Result<CifarData> load_cifar_archive(const std::uint8_t* bytes, std::size_t len, CifarLimits limits);

}  // namespace wn
