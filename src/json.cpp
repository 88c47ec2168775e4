#include "json.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace wn::json {

namespace {
// The shortest of %.{lo..hi}g that parses back to v.
template <class T>
std::string shortest(T v, int lo, int hi) {
  char buf[40];
  for (int p = lo; p <= hi; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, double(v));
    if (T(std::strtod(buf, nullptr)) == v) break;
  }
  return buf;
}

// Length of the valid UTF-8 sequence at s[i] (1–4), or 0 if there is none.
std::size_t utf8_length(const std::string& s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t len;
  std::uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07;
  else return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  const bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
  return overlong || surrogate || cp > 0x10ffff ? 0 : len;
}
}  // namespace

std::string number(double v) { return std::isfinite(v) ? shortest(v, 6, 17) : "null"; }
std::string number(float v) { return std::isfinite(v) ? shortest(v, 6, 9) : "null"; }

std::string string(const std::string& s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_length(s, i);
    if (len == 0) {  // not UTF-8: the replacement character, and move on by one byte
      out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c == '\n' || c == '\t' || c == '\r') {
      out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.append(s, i, len);
    }
    i += len;
  }
  return out + "\"";
}

void Writer::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_) out_ += ", ";
  first_ = false;
}

Writer& Writer::open(char c) {
  separate();
  out_ += c;
  stack_.push_back(c == '{' ? '}' : ']');
  first_ = true;
  return *this;
}

Writer& Writer::end() {
  out_ += stack_.back();
  stack_.pop_back();
  first_ = false;
  return *this;
}

Writer& Writer::key(const std::string& k) {
  separate();
  out_ += string(k) + ": ";
  after_key_ = true;
  return *this;
}

Writer& Writer::raw(const std::string& text) {
  separate();
  out_ += text;
  return *this;
}

}  // namespace wn::json
