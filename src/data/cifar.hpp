#pragma once
// The CIFAR-10 binary format: records of 1 label byte (0–9) and 3072 pixel bytes,
// the 1024 red, then green, then blue values of a 32×32 image, row-major. Records
// are converted to NHWC as they stream in.
//
// The official archive stores cifar-10-batches-bin/data_batch_{1..5}.bin and
// test_batch.bin in no particular order; "the first N training images" always
// means batch 1 first, then 2, … whatever the archive order.
#include <array>
#include <string>
#include <vector>

#include "dataset.hpp"
#include "tar.hpp"

namespace wn {

constexpr int kCifarRecordBytes = 1 + Dataset::kImageBytes;  // 3073
constexpr int kCifarTrainBatches = 5;
constexpr int kCifarImagesPerFile = 10000;  // each data_batch_k.bin and test_batch.bin
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
  Status begin(const std::string& name, std::uint64_t size) override;
  Status data(const std::uint8_t* bytes, std::size_t len) override;
  Status end() override;
  // Checks the expected members were present and assembles the datasets.
  Result<CifarData> finish(const std::string& source);

  // Which dataset part a file name feeds: 0–4 data_batch_1–5, 5 test, −1 none.
  static int part_of(const std::string& name);

 private:
  CifarLimits limits_;
  std::array<Dataset, kCifarTrainBatches + 1> parts_;
  std::array<bool, kCifarTrainBatches + 1> seen_{};
  std::string name_;
  int part_ = -1;
  long record_ = 0;
  std::array<std::uint8_t, kCifarRecordBytes> pending_{};
  std::size_t pending_fill_ = 0;
};

// Peak bytes a load with these limits holds: each batch file's kept records, then the
// assembled datasets.
std::size_t cifar_memory_bytes(CifarLimits limits);

// Reads a folder of .bin files, a single .bin file, a .tar, or a .tar.gz (native builds).
Result<CifarData> load_cifar(const std::string& path, CifarLimits limits);
// An in-memory tar archive (and gzip'd tar in native builds).
Result<CifarData> load_cifar_archive(const std::uint8_t* bytes, std::size_t len, CifarLimits limits);

}  // namespace wn
