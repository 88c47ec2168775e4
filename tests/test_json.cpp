#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "json.hpp"

using namespace wn;

TEST_CASE("json numbers round-trip: the shortest text that reads back as the same value") {
  CHECK(json::number(4e-7f) == "4e-07");
  CHECK(json::number(1e-3f) == "0.001");
  CHECK(json::number(0.1) == "0.1");
  CHECK(json::number(0.6181) == "0.6181");
  CHECK(json::number(1.0 / 3.0) == "0.3333333333333333");
  CHECK(json::number(2.0) == "2");
  for (double v : {1.0 / 3.0, 1e-300, 123456789.123456789, -2.5e-7, 0.1 + 0.2})
    CHECK(std::strtod(json::number(v).c_str(), nullptr) == v);
  for (float v : {1.0f / 3.0f, 4e-7f, 3.4e38f, 1.17549435e-38f})
    CHECK(float(std::strtod(json::number(v).c_str(), nullptr)) == v);
  CHECK(json::number(std::nan("")) == "null");
  CHECK(json::number(std::numeric_limits<double>::infinity()) == "null");
}

TEST_CASE("json strings: escaped, and always valid UTF-8") {
  CHECK(json::string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json::string("line\nnext\t\x01") == "\"line\\nnext\\t\\u0001\"");
  CHECK(json::string("π ≈ 3.14 🙂") == "\"π ≈ 3.14 🙂\"");
  // Latin-1 bytes of a file name, a lone continuation byte, a truncated sequence, an overlong '/'
  // and an encoded surrogate: each bad byte becomes U+FFFD.
  CHECK(json::string("caf\xe9.json") == "\"caf\xef\xbf\xbd.json\"");
  CHECK(json::string("\x80") == "\"\xef\xbf\xbd\"");
  CHECK(json::string("\xe2\x82") == "\"\xef\xbf\xbd\xef\xbf\xbd\"");
  CHECK(json::string("\xc0\xaf") == "\"\xef\xbf\xbd\xef\xbf\xbd\"");
  CHECK(json::string("\xed\xa0\x80") == "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}

TEST_CASE("json writer: commas, keys and nesting") {
  json::Writer w;
  w.begin_object().key("a").value(1).key("b").begin_array().value(0.5).null().value("x").end();
  w.key("c").begin_object().end().key("d").array(std::vector<double>{1, 2}).end();
  CHECK(w.str() == R"({"a": 1, "b": [0.5, null, "x"], "c": {}, "d": [1, 2]})");
}
