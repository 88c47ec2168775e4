#pragma once
// Reads JSON back: what wn-merge needs to join history files (docs/history.md) written here or
// by the page. Errors are values ("at byte N: …"), never aborts: a truncated or foreign file is
// a message. Numbers keep the text they were written with, and objects their key order, so
// write() gives back what json::Writer wrote, byte for byte.
#include <string>
#include <utility>
#include <vector>

#include "status.hpp"

namespace wn::json {

struct Value {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  bool boolean = false;
  double number = 0;
  std::string text;  // a string's characters, or a number as written
  std::vector<Value> items;                            // an array's
  std::vector<std::pair<std::string, Value>> members;  // an object's, in order

  bool is(Type t) const { return type == t; }
  // The member named key of an object; nullptr if there is none or this is no object.
  const Value* find(const std::string& key) const;
};

// Nesting deeper than this is refused rather than recursed into (a history is 5 levels deep).
constexpr int kMaxDepth = 64;

// One JSON value and nothing after it but blanks (RFC 8259).
Result<Value> parse(const std::string& text);
// In json::Writer's layout (", " and ": "), numbers as they were read.
std::string write(const Value& v);

}  // namespace wn::json
