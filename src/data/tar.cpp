#include "tar.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace wn {

namespace {
constexpr std::size_t kBlock = 512;

// Numeric header fields: octal text, or GNU base-256 when the high bit is set.
bool parse_number(const std::uint8_t* field, std::size_t len, std::uint64_t& out) {
  out = 0;
  if (field[0] & 0x80) {
    for (std::size_t i = 1; i < len; ++i) {
      if (out >> 55) return false;
      out = (out << 8) | field[i];
    }
    return true;
  }
  std::size_t i = 0;
  while (i < len && field[i] == ' ') ++i;
  bool digits = false;
  for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (out >> 60) return false;
    out = out * 8 + (field[i] - '0');
    digits = true;
  }
  for (; i < len; ++i)
    if (field[i] != ' ' && field[i] != 0) return false;
  return digits;
}

std::string field_string(const std::uint8_t* p, std::size_t len) {
  const auto* end = static_cast<const std::uint8_t*>(std::memchr(p, 0, len));
  return std::string(reinterpret_cast<const char*>(p), end ? std::size_t(end - p) : len);
}

// The path= of a pax extended header: records of "LENGTH key=value\n", LENGTH counting the
// whole record. None if it has no path; an error if the records do not add up.
Result<std::optional<std::string>> pax_path(const std::string& records) {
  std::optional<std::string> path;
  for (std::size_t at = 0; at < records.size();) {
    std::size_t digits = at, length = 0;
    while (digits < records.size() && records[digits] >= '0' && records[digits] <= '9' && length <= records.size())
      length = length * 10 + std::size_t(records[digits++] - '0');
    const std::size_t eq = records.find('=', digits);
    if (digits == at || digits >= records.size() || records[digits] != ' ' || length > records.size() - at ||
        eq >= at + length || records[at + length - 1] != '\n')
      return Error{"corrupt pax header (a record at byte " + std::to_string(at) + " does not add up)"};
    if (records.compare(digits + 1, eq - digits - 1, "path") == 0) path = records.substr(eq + 1, at + length - 1 - (eq + 1));
    at += length;
  }
  return path;
}
}  // namespace

Status TarReader::parse_header() {
  const std::uint64_t at = offset_ - kBlock;
  if (std::all_of(header_, header_ + kBlock, [](std::uint8_t b) { return b == 0; })) {
    ended_ = true;  // end-of-archive marker; whatever follows is ignored
    return {};
  }
  std::uint64_t stored = 0;
  if (!parse_number(header_ + 148, 8, stored)) return Error{"not a tar archive (bad header at byte " + std::to_string(at) + ")"};
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : header_[i];
  if (sum != stored) return Error{"not a tar archive, or a corrupt one (header checksum mismatch at byte " + std::to_string(at) + ")"};
  std::uint64_t size = 0;
  if (!parse_number(header_ + 124, 12, size)) return Error{"corrupt tar header at byte " + std::to_string(at) + " (bad size)"};
  std::string name = field_string(header_, 100);
  if (std::memcmp(header_ + 257, "ustar", 5) == 0) {
    const std::string prefix = field_string(header_ + 345, 155);
    if (!prefix.empty()) name = prefix + "/" + name;
  }
  const char type = char(header_[156]);
  body_left_ = size;
  padding_left_ = (kBlock - size % kBlock) % kBlock;
  if (type == 'L' || type == 'x') {
    if (size > kMaxRecordBytes)
      return Error{"corrupt tar archive (a " + std::to_string(size) + "-byte extended header at byte " + std::to_string(at) + ")"};
    body_ = type == 'L' ? Body::long_name : Body::pax;
    record_.clear();
    return size == 0 ? end_member() : Status();
  }
  // Regular files ('7' is GNU's contiguous file, a regular one); directories, links, devices
  // and global pax headers are skipped. A long name given before applies to this member only.
  if (next_name_) name = *next_name_;
  next_name_.reset();
  body_ = type == '0' || type == '\0' || type == '7' ? Body::file : Body::skip;
  if (body_ != Body::file) return {};
  Status s = sink_.begin(name, size);
  return s && size == 0 ? end_member() : s;
}

Status TarReader::end_member() {
  const Body body = std::exchange(body_, Body::skip);
  if (body == Body::file) return sink_.end();
  if (body == Body::long_name) next_name_ = field_string(reinterpret_cast<const std::uint8_t*>(record_.data()), record_.size());
  if (body == Body::pax) {
    auto path = pax_path(record_);
    if (!path) return path.status();
    if (path.value()) next_name_ = path.value();
  }
  return {};
}

Status TarReader::push(const std::uint8_t* bytes, std::size_t len) {
  if (!failed_) return failed_;
  while (len > 0 && !ended_) {
    if (body_left_ > 0) {
      const std::size_t n = std::size_t(std::min<std::uint64_t>(body_left_, len));
      if (body_ == Body::file) {
        Status s = sink_.data(bytes, n);
        if (!s) return failed_ = s;
      } else if (body_ != Body::skip) {
        record_.append(reinterpret_cast<const char*>(bytes), n);
      }
      body_left_ -= n, offset_ += n, bytes += n, len -= n;
      if (body_left_ == 0) {
        Status s = end_member();
        if (!s) return failed_ = s;
      }
    } else if (padding_left_ > 0) {
      const std::size_t n = std::size_t(std::min<std::uint64_t>(padding_left_, len));
      padding_left_ -= n, offset_ += n, bytes += n, len -= n;
    } else {
      const std::size_t n = std::min(kBlock - header_fill_, len);
      std::memcpy(header_ + header_fill_, bytes, n);
      header_fill_ += n, offset_ += n, bytes += n, len -= n;
      if (header_fill_ == kBlock) {
        header_fill_ = 0;
        Status s = parse_header();
        if (!s) return failed_ = s;
      }
    }
  }
  return {};
}

Status TarReader::finish() {
  if (!failed_) return failed_;
  if (ended_) return {};
  if (body_left_ > 0 || header_fill_ > 0)
    return Error{"truncated tar archive (input ends at byte " + std::to_string(offset_) + " inside a " +
                 (body_left_ > 0 ? "member)" : "header)")};
  return {};  // no end-of-archive blocks, but cut at a member boundary: accepted, as GNU tar does
}

}  // namespace wn
