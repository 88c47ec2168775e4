#pragma once
// Where wn-train writes its history: checked before any training, and replaced whole, so a
// reader never sees half a file.
#include <string>

#include "../status.hpp"

namespace wn {

// Fails, saying why, if `path` cannot be written (a directory, a missing folder, no permission).
Status check_output_path(const std::string& path);
// Writes `text` to `path` so that every reader sees either the old or the new file, complete.
Status write_output_file(const std::string& path, const std::string& text);

}  // namespace wn
