#include "cifar.hpp"

#include <algorithm>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>

#include "gzip.hpp"

namespace wn {

namespace {
std::string basename_of(const std::string& name) {
  const auto slash = name.find_last_of('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}
int part_limit(const CifarLimits& l, int part) { return part == kCifarTrainBatches ? l.test : l.train; }
}  // namespace

CifarLoader::CifarLoader(CifarLimits limits) : limits_(limits) {}

int CifarLoader::part_of(const std::string& name) {
  const std::string base = basename_of(name);
  if (base == "test_batch.bin") return kCifarTrainBatches;
  for (int k = 1; k <= kCifarTrainBatches; ++k)
    if (base == "data_batch_" + std::to_string(k) + ".bin") return k - 1;
  return -1;
}

Status CifarLoader::begin(const std::string& name, std::uint64_t size) {
  name_ = name;
  part_ = part_of(name);
  record_ = 0;
  pending_fill_ = 0;
  if (part_ < 0) return {};
  if (size % kCifarRecordBytes != 0)
    return Error{name + ": size " + std::to_string(size) + " is not a multiple of " + std::to_string(kCifarRecordBytes) + " bytes (1 label + 3072 pixels per image)"};
  if (seen_[part_]) return Error{name + ": appears twice"};
  seen_[part_] = true;
  // Earlier training batches may already fill the request; keep at most what can be used.
  const long keep = std::min<long>(long(size / kCifarRecordBytes), part_limit(limits_, part_));
  parts_[part_].images.reserve(std::size_t(keep) * Dataset::kImageBytes);
  parts_[part_].labels.reserve(std::size_t(keep));
  return {};
}

Status CifarLoader::data(const std::uint8_t* bytes, std::size_t len) {
  if (part_ < 0) return {};
  Dataset& d = parts_[part_];
  const int limit = part_limit(limits_, part_);
  while (len > 0) {
    const std::size_t n = std::min(len, pending_fill_ ? kCifarRecordBytes - pending_fill_ : len);
    const std::uint8_t* rec = bytes;
    if (pending_fill_ || n < std::size_t(kCifarRecordBytes)) {  // a record split across chunks
      std::memcpy(pending_.data() + pending_fill_, bytes, n);
      pending_fill_ += n, bytes += n, len -= n;
      if (pending_fill_ < std::size_t(kCifarRecordBytes)) return {};
      pending_fill_ = 0;
      rec = pending_.data();
    } else {
      bytes += kCifarRecordBytes, len -= kCifarRecordBytes;
    }
    if (rec[0] >= Dataset::kClasses)
      return Error{name_ + ": record " + std::to_string(record_) + " has label " + std::to_string(rec[0]) + " (expected 0-9)"};
    ++record_;
    if (d.size() >= limit) continue;
    d.labels.push_back(rec[0]);
    const std::size_t at = d.images.size();
    d.images.resize(at + Dataset::kImageBytes);
    std::uint8_t* img = d.images.data() + at;
    const std::uint8_t* planes = rec + 1;  // R plane, G plane, B plane → interleaved HWC
    for (int i = 0; i < Dataset::kPixels; ++i)
      for (int c = 0; c < 3; ++c) img[i * 3 + c] = planes[c * Dataset::kPixels + i];
  }
  return {};
}

Status CifarLoader::end() {
  if (part_ >= 0 && pending_fill_ != 0) return Error{name_ + ": ends inside a record"};
  part_ = -1;
  return {};
}

Result<CifarData> CifarLoader::finish(const std::string& source) {
  CifarData out;
  const bool any_train = std::any_of(seen_.begin(), seen_.begin() + kCifarTrainBatches, [](bool b) { return b; });
  if (limits_.train > 0 && !any_train)
    return Error{source + ": no CIFAR-10 training batches (data_batch_1.bin ... data_batch_5.bin) found"};
  if (limits_.test > 0 && !seen_[kCifarTrainBatches])
    return Error{source + ": no CIFAR-10 test batch (test_batch.bin) found"};
  for (int k = 0; k < kCifarTrainBatches; ++k) {
    Dataset& p = parts_[k];
    const int take = std::min(p.size(), limits_.train - out.train.size());
    if (take <= 0) break;
    out.train.images.insert(out.train.images.end(), p.images.begin(), p.images.begin() + std::size_t(take) * Dataset::kImageBytes);
    out.train.labels.insert(out.train.labels.end(), p.labels.begin(), p.labels.begin() + take);
  }
  out.test = std::move(parts_[kCifarTrainBatches]);
  return out;
}

std::size_t cifar_memory_bytes(CifarLimits limits) {
  const std::size_t per_batch = std::min(limits.train, kCifarImagesPerFile), record = Dataset::kImageBytes + 1;
  const std::size_t parts = kCifarTrainBatches * per_batch + std::size_t(std::min(limits.test, kCifarImagesPerFile));
  return record * (parts + std::size_t(limits.train) + std::size_t(limits.test));
}

namespace {
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

bool is_directory(const std::string& path) {
  File f(std::fopen((path + "/.").c_str(), "rb"));
  return f != nullptr;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Streams a whole file through `sink` in 1 MiB chunks.
Status read_file(const std::string& path, const std::function<Status(const std::uint8_t*, std::size_t)>& sink) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return Error{"cannot open " + path + ": " + std::strerror(errno)};
  std::vector<std::uint8_t> buf(1 << 20);
  for (;;) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
    if (n > 0) {
      Status s = sink(buf.data(), n);
      if (!s) return s;
    }
    if (n < buf.size()) {
      if (std::ferror(f.get())) return Error{"cannot read " + path + ": " + std::strerror(errno)};
      return {};
    }
  }
}

long file_size(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f || std::fseek(f.get(), 0, SEEK_END) != 0) return -1;
  return std::ftell(f.get());
}

Status load_bin_file(CifarLoader& loader, const std::string& path, const std::string& name) {
  const long size = file_size(path);
  if (size < 0) return Error{"cannot open " + path + ": " + std::strerror(errno)};
  Status s = loader.begin(name, std::uint64_t(size));
  if (!s) return s;
  s = read_file(path, [&](const std::uint8_t* b, std::size_t n) { return loader.data(b, n); });
  return s ? loader.end() : s;
}

bool has_gzip_magic(const std::uint8_t* b, std::size_t n) { return n >= 2 && b[0] == 0x1f && b[1] == 0x8b; }
}  // namespace

Result<CifarData> load_cifar(const std::string& path, CifarLimits limits) {
  CifarLoader loader(limits);
  if (is_directory(path)) {
    // A folder holding the .bin files, directly or in cifar-10-batches-bin/.
    std::string dir = path;
    if (file_size(dir + "/cifar-10-batches-bin/test_batch.bin") >= 0 ||
        file_size(dir + "/cifar-10-batches-bin/data_batch_1.bin") >= 0)
      dir += "/cifar-10-batches-bin";
    const char* names[] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                           "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
    for (const char* name : names) {
      const std::string file = dir + "/" + name;
      if (file_size(file) < 0) continue;  // missing files are reported by finish()
      Status s = load_bin_file(loader, file, name);
      if (!s) return Error{s.message()};
    }
    return loader.finish(path);
  }
  if (file_size(path) < 0) return Error{"cannot open " + path + ": " + std::strerror(errno)};
  if (ends_with(path, ".bin")) {
    if (CifarLoader::part_of(path) < 0)
      return Error{path + ": not a CIFAR-10 batch file name (data_batch_1.bin ... data_batch_5.bin, test_batch.bin)"};
    Status s = load_bin_file(loader, path, path);
    if (!s) return Error{s.message()};
    return loader.finish(path);
  }
  // An archive: sniff gzip from the first bytes rather than trusting the name.
  TarReader tar(loader);
  std::unique_ptr<Gunzip> gunzip;
  bool first = true;
  Status s = read_file(path, [&](const std::uint8_t* b, std::size_t n) -> Status {
    if (first) {
      first = false;
      if (has_gzip_magic(b, n)) {
        auto g = Gunzip::create([&](const std::uint8_t* out, std::size_t m) { return tar.push(out, m); });
        if (!g) return g.status();
        gunzip = std::move(g.value());
      }
    }
    return gunzip ? gunzip->push(b, n) : tar.push(b, n);
  });
  if (s && gunzip) s = gunzip->finish();
  if (s) s = tar.finish();
  if (!s) return Error{path + ": " + s.message()};
  return loader.finish(path);
}

Result<CifarData> load_cifar_archive(const std::uint8_t* bytes, std::size_t len, CifarLimits limits) {
  CifarLoader loader(limits);
  TarReader tar(loader);
  Status s;
  if (has_gzip_magic(bytes, len)) {
    auto g = Gunzip::create([&](const std::uint8_t* out, std::size_t m) { return tar.push(out, m); });
    if (!g) return Error{g.message()};
    s = g.value()->push(bytes, len);
    if (s) s = g.value()->finish();
  } else {
    s = tar.push(bytes, len);
  }
  if (s) s = tar.finish();
  if (!s) return Error{s.message()};
  return loader.finish("archive");
}

}  // namespace wn
