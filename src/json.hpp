#pragma once
// A small JSON writer for what this project emits: history files, diagnostics lines and the
// events the WebAssembly module hands to its worker. One writer, so the CLI and the page
// produce the same text for the same record.
//
// Numbers round-trip: the shortest "%.*g" that reads back as the same value (a learning rate
// of 4e-7f is written 4e-07, not 0.000000); NaN and ±inf, which JSON cannot hold, become null.
// Strings are escaped for JSON, and bytes that are not valid UTF-8 (a file name from a
// non-UTF-8 file system) become U+FFFD, so the output is always valid JSON.
#include <cstdint>
#include <string>
#include <vector>

namespace wn::json {

std::string number(double v);
std::string number(float v);
std::string string(const std::string& s);

// Builds one JSON value in place: `Writer w; w.begin_object(); w.key("a").value(1); w.end();`.
// Commas are placed by the writer; nesting is the caller's to balance (end() closes the last).
class Writer {
 public:
  Writer& begin_object() { return open('{'); }
  Writer& begin_array() { return open('['); }
  Writer& end();
  Writer& key(const std::string& k);
  Writer& value(double v) { return raw(number(v)); }
  Writer& value(float v) { return raw(number(v)); }
  Writer& value(int v) { return raw(std::to_string(v)); }
  Writer& value(long v) { return raw(std::to_string(v)); }
  Writer& value(std::uint64_t v) { return raw(std::to_string(v)); }
  Writer& value(bool v) { return raw(v ? "true" : "false"); }
  Writer& value(const std::string& s) { return raw(string(s)); }
  Writer& value(const char* s) { return raw(string(s)); }
  Writer& null() { return raw("null"); }
  template <class T>
  Writer& array(const std::vector<T>& values) {
    begin_array();
    for (const T& v : values) value(v);
    return end();
  }
  // An already-written JSON value (a nested record).
  Writer& raw(const std::string& text);

  const std::string& str() const { return out_; }

 private:
  Writer& open(char c);
  void separate();
  std::string out_;
  std::vector<char> stack_;  // closing brackets of the open containers
  bool first_ = true;        // no element yet in the innermost container
  bool after_key_ = false;
};

}  // namespace wn::json
