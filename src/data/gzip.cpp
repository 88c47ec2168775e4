#include "gzip.hpp"

#include <algorithm>
#include <vector>

#if WN_HAVE_ZLIB
#include <zlib.h>
#endif

namespace wn {

#if WN_HAVE_ZLIB
namespace {
// Where the decoder is: inside a member, just after one, in zero padding after one, or
// after a 0x1f that may start the next member.
enum class Phase { member, after, zeros, magic };
}  // namespace

struct Gunzip::State {
  z_stream zs{};
  Phase phase = Phase::member;
  int members = 1;
  std::uint64_t offset = 0;  // compressed bytes consumed, for messages
  std::uint64_t magic_at = 0;
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
  State& st = *state_;
  z_stream& zs = st.zs;
  while (len > 0) {
    const uInt chunk = uInt(std::min<std::size_t>(len, 1u << 30));
    zs.next_in = const_cast<Bytef*>(bytes);
    zs.avail_in = chunk;
    int rc;
    std::size_t produced;
    do {
      zs.next_out = st.out.data();
      zs.avail_out = uInt(st.out.size());
      rc = inflate(&zs, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        return Error{std::string("corrupt gzip data (") + (zs.msg ? zs.msg : "inflate failed") + ")"};
      produced = st.out.size() - zs.avail_out;
      if (produced > 0) {
        Status s = sink_(st.out.data(), produced);
        if (!s) return s;
      }
    } while (rc != Z_STREAM_END && (zs.avail_in > 0 || zs.avail_out == 0) && !(rc == Z_BUF_ERROR && produced == 0));
    const std::size_t used = chunk - zs.avail_in;
    if (used == 0 && rc != Z_STREAM_END) return Error{"corrupt gzip data (no progress)"};
    bytes += used, len -= used, st.offset += used;
    if (rc == Z_STREAM_END) {
      st.phase = Phase::after;
      return {};
    }
  }
  return {};
}

Status Gunzip::push(const std::uint8_t* bytes, std::size_t len) {
  State& st = *state_;
  while (len > 0) {
    switch (st.phase) {
      case Phase::member: {
        Status s = inflate_member(bytes, len);
        if (!s) return s;
        break;
      }
      case Phase::after:  // another member, zero padding, or junk
        if (bytes[0] == 0x1f) {
          st.phase = Phase::magic, st.magic_at = st.offset;
          ++bytes, --len, ++st.offset;
        } else if (bytes[0] == 0) {
          st.phase = Phase::zeros;
        } else {
          return Error{gzip_junk_message(st.offset)};
        }
        break;
      case Phase::magic: {
        if (bytes[0] != 0x8b) return Error{gzip_junk_message(st.magic_at)};
        if (++st.members > kMaxGzipMembers)
          return Error{"more than " + std::to_string(kMaxGzipMembers) +
                       " gzip members (decompress and compress it again as one: gunzip -c FILE | gzip > NEW.gz)"};
        if (inflateReset(&st.zs) != Z_OK) return Error{"zlib could not restart"};
        st.phase = Phase::member;
        static const std::uint8_t kFirst = 0x1f;  // the byte held back until the second one arrived
        const std::uint8_t* held = &kFirst;
        std::size_t one = 1;
        --st.offset;  // counted when it was held
        Status s = inflate_member(held, one);
        if (!s) return s;
        break;
      }
      case Phase::zeros: {
        const auto* nonzero = std::find_if(bytes, bytes + len, [](std::uint8_t b) { return b != 0; });
        if (nonzero != bytes + len) return Error{gzip_junk_message(st.offset + std::uint64_t(nonzero - bytes))};
        st.offset += len;
        return {};
      }
    }
  }
  return {};
}

Status Gunzip::finish() {
  switch (state_->phase) {
    case Phase::member: return Error{"truncated gzip data (the compressed stream ends early)"};
    case Phase::magic: return Error{gzip_junk_message(state_->magic_at)};
    default: return {};
  }
}

#else
struct Gunzip::State {};
Gunzip::Gunzip(Sink sink) : sink_(std::move(sink)) {}
Gunzip::~Gunzip() = default;
Result<std::unique_ptr<Gunzip>> Gunzip::create(Sink) {
  return Error{"gzip is not supported in this build: decompress the archive first"};
}
Status Gunzip::push(const std::uint8_t*, std::size_t) { return Error{"gzip unsupported"}; }
Status Gunzip::finish() { return Error{"gzip unsupported"}; }
Status Gunzip::inflate_member(const std::uint8_t*&, std::size_t&) { return Error{"gzip unsupported"}; }
#endif

}  // namespace wn
