#pragma once
// Where wn-train writes its history: checked before any training, and replaced whole, so a
// reader never sees half a file.
//
// - A regular file (new or existing) is written to a temporary file with an unguessable name
//   in the same folder (created O_EXCL|O_NOFOLLOW, so nothing planted there is followed or
//   reused), flushed with fsync and renamed over the target. Concurrent writers each rename
//   a complete file; every read sees one of them whole. An existing file keeps its mode.
// - A symbolic link is written through: the link stays, and the file it finally points to is
//   replaced as above (in that file's folder). A link to nothing is refused, and so is a link
//   in a sticky world-writable folder (/tmp) that belongs to another user, as the kernel's
//   protected_symlinks would.
// - A character device (/dev/null) or a FIFO is written directly and stays what it is; a FIFO
//   that no process reads is an error, not a hang. Directories, sockets and block devices are
//   refused.
#include <optional>
#include <string>
#include <vector>

#include "../status.hpp"

namespace wn {

// A file the command line names, and whether wn-train writes it.
struct FileUse {
  std::string flag;  // "--json", "--data", …
  std::string path;
  bool output = false;
};
// Fails, naming both flags, if an output is also an input or two outputs are one file, however
// the paths spell it (hard or symbolic links, "a/../b"): a history written over the data archive,
// or weights written over the history, would destroy one of them without a word. A character
// device (/dev/null) may take any number of outputs.
Status check_distinct_files(const std::vector<FileUse>& uses);

// Fails, saying why, if `path` cannot be written (a directory, a missing folder, no permission).
Status check_output_path(const std::string& path);
// Writes `text` to `path` so that every reader sees either the old or the new file, complete.
Status write_output_file(const std::string& path, const std::string& text);

}  // namespace wn
