#include "gzip.hpp"

#include <vector>

#if WN_HAVE_ZLIB
#include <zlib.h>
#endif

namespace wn {

#if WN_HAVE_ZLIB
struct Gunzip::State {
  z_stream zs{};
  bool done = false;
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

Status Gunzip::push(const std::uint8_t* bytes, std::size_t len) {
  z_stream& zs = state_->zs;
  while (len > 0 && !state_->done) {
    const uInt chunk = uInt(std::min<std::size_t>(len, 1u << 30));
    zs.next_in = const_cast<Bytef*>(bytes);
    zs.avail_in = chunk;
    do {
      zs.next_out = state_->out.data();
      zs.avail_out = uInt(state_->out.size());
      const int rc = inflate(&zs, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        return Error{std::string("corrupt gzip data (") + (zs.msg ? zs.msg : "inflate failed") + ")"};
      const std::size_t produced = state_->out.size() - zs.avail_out;
      if (produced > 0) {
        Status s = sink_(state_->out.data(), produced);
        if (!s) return s;
      }
      if (rc == Z_STREAM_END) {
        state_->done = true;  // anything after the first gzip member is ignored
        break;
      }
      if (rc == Z_BUF_ERROR && produced == 0) break;
    } while (zs.avail_in > 0 || zs.avail_out == 0);
    bytes += chunk;
    len -= chunk;
  }
  return {};
}

Status Gunzip::finish() {
  if (!state_->done) return Error{"truncated gzip data (the compressed stream ends early)"};
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
Status Gunzip::finish() { return Error{"gzip unsupported"}; }
#endif

}  // namespace wn
