#include "gzip.hpp"

#include <algorithm>
#include <vector>

#if WN_HAVE_ZLIB
#include <zlib.h>
#endif

namespace wn {

namespace {
std::string junk_at(std::uint64_t at) {
  return "unexpected bytes after the end of the gzip data (at byte " + std::to_string(at) + ")";
}
}  // namespace

void GzipFraming::member_end(std::uint64_t at) {
  phase_ = Phase::after;
  at_ = at;
}

Result<std::size_t> GzipFraming::after(const std::uint8_t* bytes, std::size_t len) {
  for (std::size_t i = 0; i < len; ++i, ++at_) {
    const std::uint8_t b = bytes[i];
    switch (phase_) {
      case Phase::member: return i;
      case Phase::after:
        if (b == 0x1f) {
          phase_ = Phase::magic, magic_at_ = at_;
        } else if (b == 0) {
          phase_ = Phase::zeros;
        } else {
          return Error{junk_at(at_)};
        }
        break;
      case Phase::zeros:
        if (b != 0) return Error{junk_at(at_)};
        break;
      case Phase::magic:
        if (b != 0x8b) return Error{junk_at(magic_at_)};
        if (++members_ > kMaxGzipMembers)
          return Error{"more than " + std::to_string(kMaxGzipMembers) +
                       " gzip members (decompress and compress it again as one: gunzip -c FILE | gzip > NEW.gz)"};
        phase_ = Phase::member;
        return i;
    }
  }
  return len;
}

Status GzipFraming::finish() const {
  if (phase_ == Phase::member) return Error{"truncated gzip data (the compressed stream ends early)"};
  if (phase_ == Phase::magic) return Error{junk_at(magic_at_)};
  return {};
}

#if WN_HAVE_ZLIB
struct Gunzip::State {
  z_stream zs{};
  std::vector<std::uint8_t> out = std::vector<std::uint8_t>(1 << 18);
};

Gunzip::Gunzip(Sink sink) : state_(std::make_unique<State>()), sink_(std::move(sink)) {}

Gunzip::~Gunzip() {
  if (state_) inflateEnd(&state_->zs);
}

Result<std::unique_ptr<Gunzip>> Gunzip::create(Sink sink) {
  std::unique_ptr<Gunzip> g(new Gunzip(std::move(sink)));
  if (inflateInit2(&g->state_->zs, 16 + MAX_WBITS) != Z_OK) return Error{"zlib could not start"};
  return g;
}

// Inflates the current member from `bytes`, advancing them, until the member ends (zlib
// has checked its CRC and length) or the input is used up.
Status Gunzip::inflate_member(const std::uint8_t*& bytes, std::size_t& len) {
  z_stream& zs = state_->zs;
  std::vector<std::uint8_t>& out = state_->out;
  while (len > 0) {
    const uInt chunk = uInt(std::min<std::size_t>(len, 1u << 30));
    zs.next_in = const_cast<Bytef*>(bytes);
    zs.avail_in = chunk;
    int rc;
    std::size_t produced;
    do {
      zs.next_out = out.data();
      zs.avail_out = uInt(out.size());
      rc = inflate(&zs, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        return Error{std::string("corrupt gzip data (") + (zs.msg ? zs.msg : "inflate failed") + ")"};
      produced = out.size() - zs.avail_out;
      if (produced > 0) {
        Status s = sink_(out.data(), produced);
        if (!s) return s;
      }
    } while (rc != Z_STREAM_END && (zs.avail_in > 0 || zs.avail_out == 0) && !(rc == Z_BUF_ERROR && produced == 0));
    const std::size_t used = chunk - zs.avail_in;
    if (used == 0 && rc != Z_STREAM_END) return Error{"corrupt gzip data (no progress)"};
    bytes += used, len -= used, offset_ += used;
    if (rc == Z_STREAM_END) {
      framing_.member_end(offset_);
      return {};
    }
  }
  return {};
}

Status Gunzip::push(const std::uint8_t* bytes, std::size_t len) {
  while (len > 0) {
    if (!framing_.in_member()) {
      auto taken = framing_.after(bytes, len);
      if (!taken) return taken.status();
      bytes += taken.value(), len -= taken.value(), offset_ += taken.value();
      if (!framing_.in_member()) continue;
      // A new member: its 0x1f was taken by the framing, so zlib gets it first.
      if (inflateReset(&state_->zs) != Z_OK) return Error{"zlib could not restart"};
      static const std::uint8_t kMagic = 0x1f;
      const std::uint8_t* first = &kMagic;
      std::size_t one = 1;
      --offset_;  // counted when the framing took it
      Status s = inflate_member(first, one);
      if (!s) return s;
    }
    Status s = inflate_member(bytes, len);
    if (!s) return s;
  }
  return {};
}

#else
struct Gunzip::State {};
Gunzip::Gunzip(Sink sink) : sink_(std::move(sink)) {}
Gunzip::~Gunzip() = default;
Result<std::unique_ptr<Gunzip>> Gunzip::create(Sink) {
  return Error{"gzip is not supported in this build: decompress the archive first"};
}
Status Gunzip::push(const std::uint8_t*, std::size_t) { return Error{"gzip unsupported"}; }
Status Gunzip::inflate_member(const std::uint8_t*&, std::size_t&) { return Error{"gzip unsupported"}; }
#endif

}  // namespace wn
