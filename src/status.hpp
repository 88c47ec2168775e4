#pragma once
// Errors as values. Parsers of user files and everything reachable from the
// WebAssembly boundary report failures through these types instead of throwing,
// because Emscripten builds without exception support abort on a throw.
#include <string>
#include <utility>
#include <variant>

namespace wn {

struct Error {
  std::string message;
};

class Status {
 public:
  Status() = default;
  Status(Error e) : error_(std::move(e.message)), failed_(true) {}
  explicit operator bool() const { return !failed_; }
  const std::string& message() const { return error_; }

 private:
  std::string error_;
  bool failed_ = false;
};

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error e) : v_(std::move(e)) {}
  explicit operator bool() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  T& operator*() { return value(); }
  const std::string& message() const { return std::get<1>(v_).message; }
  Status status() const { return *this ? Status() : Status(std::get<1>(v_)); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace wn
