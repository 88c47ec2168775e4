#include "output_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace wn {

Status check_output_path(const std::string& path) {
  if (path.empty()) return Error{"no output path given"};
  return {};
}

Status write_output_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Error{"cannot write " + path + ": " + std::strerror(errno)};
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), path.c_str()) != 0)
    return Error{"cannot write " + path + ": " + std::strerror(errno)};
  return {};
}

}  // namespace wn
