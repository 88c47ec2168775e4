#include "json_read.hpp"

#include <cmath>
#include <cstdlib>

#include "json.hpp"

namespace wn::json {

const Value* Value::find(const std::string& key) const {
  for (const auto& [k, v] : members)
    if (k == key) return &v;
  return nullptr;
}

namespace {

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  Result<Value> document() {
    Value v;
    if (!value(v, 0)) return Error{error_};
    blanks();
    if (at_ < s_.size()) return Error{where() + "more text after the JSON value"};
    return v;
  }

 private:
  std::string where() const { return "at byte " + std::to_string(at_) + ": "; }
  bool fail(const std::string& why) {
    if (error_.empty()) error_ = where() + why;
    return false;
  }
  bool end() const { return at_ >= s_.size(); }
  void blanks() {
    while (!end() && (s_[at_] == ' ' || s_[at_] == '\n' || s_[at_] == '\r' || s_[at_] == '\t')) ++at_;
  }
  bool literal(const char* word) {
    const std::string w = word;
    if (s_.compare(at_, w.size(), w) != 0) return fail("not a JSON value");
    at_ += w.size();
    return true;
  }

  bool value(Value& v, int depth) {
    blanks();
    if (end()) return fail("the text ends where a value should be (truncated?)");
    switch (s_[at_]) {
      case '{': return object(v, depth + 1);
      case '[': return array(v, depth + 1);
      case '"': v.type = Value::Type::string; return string(v.text);
      case 't': v.type = Value::Type::boolean, v.boolean = true; return literal("true");
      case 'f': v.type = Value::Type::boolean, v.boolean = false; return literal("false");
      case 'n': v.type = Value::Type::null; return literal("null");
      default: return number(v);
    }
  }

  bool object(Value& v, int depth) {
    if (depth > kMaxDepth) return fail("nested more than " + std::to_string(kMaxDepth) + " levels deep");
    v.type = Value::Type::object;
    ++at_;
    blanks();
    if (!end() && s_[at_] == '}') return ++at_, true;
    for (;;) {
      blanks();
      if (end()) return fail("the text ends inside an object (truncated?)");
      if (s_[at_] != '"') return fail("expected a key in quotes");
      std::string key;
      if (!string(key)) return false;
      blanks();
      if (end() || s_[at_] != ':') return fail(end() ? "the text ends inside an object (truncated?)" : "expected ':' after a key");
      ++at_;
      v.members.emplace_back(std::move(key), Value());
      if (!value(v.members.back().second, depth)) return false;
      blanks();
      if (end()) return fail("the text ends inside an object (truncated?)");
      if (s_[at_] == '}') return ++at_, true;
      if (s_[at_] != ',') return fail("expected ',' or '}' in an object");
      ++at_;
    }
  }

  bool array(Value& v, int depth) {
    if (depth > kMaxDepth) return fail("nested more than " + std::to_string(kMaxDepth) + " levels deep");
    v.type = Value::Type::array;
    ++at_;
    blanks();
    if (!end() && s_[at_] == ']') return ++at_, true;
    for (;;) {
      v.items.emplace_back();
      if (!value(v.items.back(), depth)) return false;
      blanks();
      if (end()) return fail("the text ends inside an array (truncated?)");
      if (s_[at_] == ']') return ++at_, true;
      if (s_[at_] != ',') return fail("expected ',' or ']' in an array");
      ++at_;
    }
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex4(unsigned& out) {
    out = 0;
    for (int i = 0; i < 4; ++i, ++at_) {
      const int h = end() ? -1 : hex(s_[at_]);
      if (h < 0) return fail("a \\u escape needs four hex digits");
      out = out << 4 | unsigned(h);
    }
    return true;
  }
  static void utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xc0 | cp >> 6), out += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += char(0xe0 | cp >> 12), out += char(0x80 | (cp >> 6 & 0x3f)), out += char(0x80 | (cp & 0x3f));
    } else {
      out += char(0xf0 | cp >> 18), out += char(0x80 | (cp >> 12 & 0x3f)), out += char(0x80 | (cp >> 6 & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    }
  }

  bool string(std::string& out) {
    ++at_;  // the opening quote
    for (;;) {
      if (end()) return fail("the text ends inside a string (truncated?)");
      const unsigned char c = static_cast<unsigned char>(s_[at_]);
      if (c == '"') return ++at_, true;
      if (c < 0x20) return fail("a control character inside a string");
      if (c != '\\') {
        out += char(c), ++at_;
        continue;
      }
      if (++at_ >= s_.size()) return fail("the text ends inside a string (truncated?)");
      const char e = s_[at_++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp;
          if (!hex4(cp)) return false;
          // A surrogate pair is one code point; a lone half becomes U+FFFD, as json::string writes it.
          if (cp >= 0xd800 && cp <= 0xdbff && s_.compare(at_, 2, "\\u") == 0) {
            const std::size_t back = at_;
            at_ += 2;
            unsigned low;
            if (!hex4(low)) return false;
            if (low >= 0xdc00 && low <= 0xdfff) cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
            else at_ = back, cp = 0xfffd;
          } else if (cp >= 0xd800 && cp <= 0xdfff) {
            cp = 0xfffd;
          }
          utf8(out, cp);
          break;
        }
        default: --at_; return fail(std::string("an unknown escape \\") + e);
      }
    }
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number(Value& v) {
    const std::size_t from = at_;
    auto digits = [&] {
      const std::size_t d = at_;
      while (!end() && s_[at_] >= '0' && s_[at_] <= '9') ++at_;
      return at_ > d;
    };
    if (!end() && s_[at_] == '-') ++at_;
    if (!end() && s_[at_] == '0') ++at_;
    else if (!digits()) return at_ = from, fail(end() ? "the text ends where a value should be (truncated?)" : "not a JSON value");
    if (!end() && s_[at_] == '.' && (++at_, !digits())) return fail("a number needs digits after its '.'");
    if (!end() && (s_[at_] == 'e' || s_[at_] == 'E')) {
      ++at_;
      if (!end() && (s_[at_] == '+' || s_[at_] == '-')) ++at_;
      if (!digits()) return fail("a number needs digits in its exponent");
    }
    v.type = Value::Type::number;
    v.text = s_.substr(from, at_ - from);
    v.number = std::strtod(v.text.c_str(), nullptr);
    if (!std::isfinite(v.number)) return at_ = from, fail("a number too large for a double");
    return true;
  }

  const std::string& s_;
  std::size_t at_ = 0;
  std::string error_;
};

void write_to(Writer& w, const Value& v) {
  switch (v.type) {
    case Value::Type::null: w.null(); break;
    case Value::Type::boolean: w.value(v.boolean); break;
    case Value::Type::number: w.raw(v.text); break;
    case Value::Type::string: w.value(v.text); break;
    case Value::Type::array:
      w.begin_array();
      for (const Value& item : v.items) write_to(w, item);
      w.end();
      break;
    case Value::Type::object:
      w.begin_object();
      for (const auto& [key, member] : v.members) {
        w.key(key);
        write_to(w, member);
      }
      w.end();
      break;
  }
}

}  // namespace

Result<Value> parse(const std::string& text) { return Parser(text).document(); }

std::string write(const Value& v) {
  Writer w;
  write_to(w, v);
  return w.str();
}

}  // namespace wn::json
