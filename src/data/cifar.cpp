#include "cifar.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

#include "posix_file.hpp"

namespace wn {

namespace {
std::string basename_of(const std::string& name) {
  const auto slash = name.find_last_of('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}
int part_limit(const CifarLimits& l, int part) { return part == kCifarTrainBatches ? l.test : l.train; }
std::string too_large() {
  return "more than " + std::to_string(kMaxArchiveBytes >> 20) +
         " MB, larger than any CIFAR-10 archive (the official one is 170 MB gzip'd, 185 MB unpacked)";
}
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
  if (size != kUnknownSize && size > kCifarFileBytes)
    return Error{name + ": " + std::to_string(size) + " bytes is more than a CIFAR-10 batch file's " +
                 std::to_string(kCifarFileBytes) + " (10000 images)"};
  if (size != kUnknownSize && size % kCifarRecordBytes != 0)
    return Error{name + ": size " + std::to_string(size) + " is not a multiple of " + std::to_string(kCifarRecordBytes) + " bytes (1 label + 3072 pixels per image)"};
  if (seen_[part_]) return Error{name + ": appears twice"};
  seen_[part_] = true;
  // Earlier training batches may already fill the request; keep at most what can be used.
  const std::uint64_t records = size == kUnknownSize ? kCifarImagesPerFile : size / kCifarRecordBytes;
  const long keep = std::min<long>(long(records), part_limit(limits_, part_));
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
    // begin() checked a known size; this holds when the size was not known.
    if (record_ == kCifarImagesPerFile) return Error{name_ + ": more than 10000 images, more than a CIFAR-10 batch file holds"};
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
  if (part_ >= 0) ended_[part_] = true;
  part_ = -1;
  return {};
}

bool CifarLoader::complete() const {
  const Dataset& test = parts_[kCifarTrainBatches];
  if (!ended_[kCifarTrainBatches] && test.size() < limits_.test) return false;
  // Training images count in batch order: batch k adds to the first N only once 1..k-1 are whole.
  int have = 0;
  for (int k = 0; k < kCifarTrainBatches; ++k) {
    have += parts_[k].size();
    if (have >= limits_.train) return true;
    if (!ended_[k]) return false;
  }
  return true;
}

int CifarLoader::wanted(const std::string& name) const {
  const int part = part_of(name);
  if (part < 0) return 0;
  int have = parts_[part].size();
  for (int k = 0; k < part && part < kCifarTrainBatches; ++k) {
    if (!ended_[k]) {  // an earlier batch may still come: this one may have to supply them all
      have = parts_[part].size();
      break;
    }
    have += parts_[k].size();
  }
  return std::max(0, part_limit(limits_, part) - have);
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
  // Empty batch files would "train" on nothing and report an accuracy of 0.
  if (limits_.train > 0 && out.train.size() == 0)
    return Error{source + ": no training images (the data_batch_*.bin files are empty)"};
  if (limits_.test > 0 && out.test.size() == 0) return Error{source + ": no test images (test_batch.bin is empty)"};
  return out;
}

CifarArchive::CifarArchive(CifarLoader& loader) : loader_(loader), tar_(loader) {}

Status CifarArchive::check_size(std::uint64_t size) { return size > kMaxArchiveBytes ? Error{too_large()} : Status(); }

Status CifarArchive::push(const std::uint8_t* bytes, std::size_t len) {
  if (done() || len == 0) return {};
  in_ += len;
  if (Status s = check_size(in_); !s) return s;
  Status s;
  if (head_fill_ < sizeof head_) {
    const std::size_t n = std::min(len, sizeof head_ - head_fill_);
    std::memcpy(head_ + head_fill_, bytes, n);
    head_fill_ += n, bytes += n, len -= n;
    if (head_fill_ == sizeof head_) s = start(head_, head_fill_);
  }
  if (s && len > 0) s = gunzip_ ? gunzip_->push(bytes, len) : push_tar(bytes, len);
  // Once done, what follows is never looked at: not a later member's damage, not junk
  // after the gzip data. The page stops at the same point (web/data.worker.js).
  return s || done() ? Status() : s;
}

Status CifarArchive::start(const std::uint8_t* head, std::size_t len) {
  if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
    // Decompression stops at done() as reading does: the sink's error ends inflate early.
    auto g = Gunzip::create([this](const std::uint8_t* b, std::size_t n) { return done() ? Error{"done"} : push_tar(b, n); });
    if (!g) return g.status();
    gunzip_ = std::move(g.value());
    return gunzip_->push(head, len);
  }
  return push_tar(head, len);
}

Status CifarArchive::push_tar(const std::uint8_t* bytes, std::size_t len) {
  if (tar_.offset() + len > kMaxArchiveBytes) return Error{"unpacks to " + too_large()};
  return tar_.push(bytes, len);
}

Status CifarArchive::end() {
  Status s;
  if (head_fill_ < sizeof head_) s = start(head_, head_fill_);
  if (s && gunzip_ && !done()) s = gunzip_->finish();
  if (s && !done()) s = tar_.finish();
  return s || done() ? Status() : s;
}

std::size_t cifar_memory_bytes(CifarLimits limits) {
  const std::size_t per_batch = std::min(limits.train, kCifarImagesPerFile), record = Dataset::kImageBytes + 1;
  const std::size_t parts = kCifarTrainBatches * per_batch + std::size_t(std::min(limits.test, kCifarImagesPerFile));
  return record * (parts + std::size_t(limits.train) + std::size_t(limits.test));
}

namespace {
struct Input {
  posix::Fd fd;
  struct stat st {};
  int error = 0;  // errno of a failed open
};

// Opens `path` without blocking (a FIFO would wait for a writer forever) and says what it is.
Input open_input(const std::string& path) {
  Input in{posix::Fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC))};
  if (!in.fd || ::fstat(in.fd.get(), &in.st) != 0) in.error = errno;
  return in;
}

std::string cannot_open(const std::string& path, int error) { return "cannot open " + path + ": " + std::strerror(error); }

// An archive's error, said of the file it came from.
Status named(const std::string& path, const Status& s) { return s ? s : Error{path + ": " + s.message()}; }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

using Sink = std::function<Status(const std::uint8_t*, std::size_t)>;

// Reads at most `limit` bytes of a regular file through `sink` in 1 MiB chunks, and stops
// early once `enough()` says so.
Status read_chunks(const Input& in, const std::string& path, std::uint64_t limit, const Sink& sink,
                   const std::function<bool()>& enough) {
  std::vector<std::uint8_t> buf(1 << 20);
  while (limit > 0 && !(enough && enough())) {
    const long n = posix::read_some(in.fd.get(), buf.data(), std::size_t(std::min<std::uint64_t>(buf.size(), limit)));
    if (n < 0) return Error{"cannot read " + path + ": " + std::strerror(errno)};
    if (n == 0) return {};
    Status s = sink(buf.data(), std::size_t(n));
    if (!s) return s;
    limit -= std::uint64_t(n);
  }
  return {};
}

// One batch file of a folder: only the records the limits still want are read.
Status load_bin_file(CifarLoader& loader, const std::string& file, const std::string& name) {
  const Input in = open_input(file);
  if (in.error == ENOENT) return {};  // missing files are reported by finish()
  if (in.error) return Error{cannot_open(file, in.error)};
  if (!S_ISREG(in.st.st_mode)) return Error{file + " is " + posix::kind_of(in.st.st_mode) + ", not a CIFAR-10 batch file"};
  const int want = loader.wanted(name);
  if (want == 0) return {};  // earlier batches hold every training image asked for
  const std::uint64_t size = std::uint64_t(in.st.st_size);
  Status s = loader.begin(name, size);
  if (s) s = read_chunks(in, file, std::min(size, std::uint64_t(want) * kCifarRecordBytes),
                         [&](const std::uint8_t* b, std::size_t n) { return loader.data(b, n); }, nullptr);
  return s ? loader.end() : s;
}

Result<CifarData> load_folder(const std::string& path, CifarLimits limits) {
  CifarLoader loader(limits);
  for (const std::string& file : cifar_files(path)) {
    Status s = load_bin_file(loader, file, basename_of(file));
    if (!s) return Error{s.message()};
  }
  return loader.finish(path);
}
}  // namespace

std::vector<std::string> cifar_files(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return {path};
  // The .bin files directly, or in cifar-10-batches-bin/ as the archive unpacks.
  std::string dir = path;
  if (::stat((dir + "/cifar-10-batches-bin").c_str(), &st) == 0 && S_ISDIR(st.st_mode)) dir += "/cifar-10-batches-bin";
  std::vector<std::string> files;
  for (int k = 1; k <= kCifarTrainBatches; ++k) files.push_back(dir + "/data_batch_" + std::to_string(k) + ".bin");
  files.push_back(dir + "/test_batch.bin");
  return files;
}

Result<CifarData> load_cifar(const std::string& path, CifarLimits limits) {
  const Input in = open_input(path);
  if (in.error) return Error{cannot_open(path, in.error)};
  const struct stat& st = in.st;
  if (S_ISDIR(st.st_mode)) return load_folder(path, limits);
  if (!S_ISREG(st.st_mode))
    return Error{path + " is " + posix::kind_of(st.st_mode) +
                 ", not a data file: pass the folder holding the CIFAR-10 .bin files, or cifar-10-binary.tar.gz"};
  if (ends_with(path, ".bin"))
    return Error{path + ": one batch file is not enough (training needs data_batch_*.bin and test_batch.bin): "
                        "pass the folder holding the .bin files, or cifar-10-binary.tar.gz"};
  if (Status s = CifarArchive::check_size(std::uint64_t(st.st_size)); !s) return Error{path + ": " + s.message()};
  CifarLoader loader(limits);
  CifarArchive archive(loader);
  Status s = read_chunks(
      in, path, kMaxArchiveBytes, [&](const std::uint8_t* b, std::size_t n) { return named(path, archive.push(b, n)); },
      [&] { return archive.done(); });
  if (s) s = named(path, archive.end());
  if (!s) return Error{s.message()};
  return loader.finish(path);
}

Result<CifarData> load_cifar_archive(const std::uint8_t* bytes, std::size_t len, CifarLimits limits) {
  CifarLoader loader(limits);
  CifarArchive archive(loader);
  Status s = archive.push(bytes, len);
  if (s) s = archive.end();
  if (!s) return Error{"archive: " + s.message()};
  return loader.finish("archive");
}

}  // namespace wn
